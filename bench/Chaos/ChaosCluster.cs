using System.ComponentModel;
using System.Diagnostics;

namespace OrleansTasks.Bench.Chaos;

/// <summary>
/// The silo processes of a chaos run: starts them, kills (or stops) one at random and starts its replacement, and
/// kills every one of them when disposed or when <see cref="KillAll"/> is called from a signal handler.
/// </summary>
internal sealed class ChaosCluster : IAsyncDisposable
{
    private static readonly TimeSpan s_sigtermGrace = TimeSpan.FromSeconds(60);

    private readonly string _benchPath;
    private readonly string _connectionString;
    private readonly TextWriter _log;
    private readonly List<ChaosSiloProcess> _silos = [];
    private readonly List<ChaosKill> _kills = [];
    private readonly List<string> _startFailures = [];
    private readonly List<Task> _replacements = [];
    private readonly Lock _lock = new();
    private readonly Stopwatch _clock;
    private readonly CancellationTokenSource _disposing = new();

    /// <param name="connectionString">The database the silos use.</param>
    /// <param name="log">Where the cluster says what it does (stderr).</param>
    /// <param name="clock">The scenario's clock, that log lines give the time by.</param>
    public ChaosCluster(string connectionString, TextWriter log, Stopwatch clock)
    {
        _connectionString = connectionString;
        _log = log;
        _clock = clock;

        // This very assembly, run again as `bench chaos-silo`.
        _benchPath = typeof(ChaosCluster).Assembly.Location;
    }

    public string ServiceId { get; } = "chaos-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Every silo started so far, live or not, oldest first.</summary>
    public IReadOnlyList<ChaosSiloProcess> Silos
    {
        get
        {
            lock (_lock)
            {
                return [.. _silos];
            }
        }
    }

    public IReadOnlyList<ChaosKill> Kills
    {
        get
        {
            lock (_lock)
            {
                return [.. _kills];
            }
        }
    }

    /// <summary>Why silos failed to start, if any did.</summary>
    public IReadOnlyList<string> StartFailures
    {
        get
        {
            lock (_lock)
            {
                return [.. _startFailures];
            }
        }
    }

    /// <summary>Silos ready and running that nobody has chosen to kill.</summary>
    public int LiveCount
    {
        get
        {
            lock (_lock)
            {
                return _silos.Count(IsLive);
            }
        }
    }

    /// <summary>Starts <paramref name="count"/> silos at once and waits until each is ready.</summary>
    /// <exception cref="InvalidOperationException">A silo did not start; the message has its output.</exception>
    public Task StartAsync(int count, CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(0, count).Select(_ => StartSiloAsync(cancellationToken)));

    /// <summary>Starts silos until <paramref name="count"/> are live; a silo that fails to start is tried again, up to 3 times.</summary>
    public async Task EnsureLiveAsync(int count, CancellationToken cancellationToken)
    {
        for (var round = 0; round < 3 && LiveCount < count; round++)
        {
            try
            {
                await StartAsync(count - LiveCount, cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                // Recorded in StartFailures; the next round tries again.
            }
        }

        if (LiveCount < count)
        {
            throw new InvalidOperationException($"Only {LiveCount} of {count} silos are live after 3 rounds of starts:{Environment.NewLine}{string.Join(Environment.NewLine, StartFailures)}");
        }
    }

    /// <summary>
    /// Kills a random live silo (SIGKILL, or SIGTERM and waiting up to 60 s for it to exit), then starts its
    /// replacement <paramref name="restartAfter"/> after it exited. Returns at once; <see cref="WaitForReplacementsAsync"/>
    /// waits for what it set going. Does nothing if no silo is live.
    /// </summary>
    public void KillRandom(bool sigterm, TimeSpan restartAfter, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            var live = _silos.Where(IsLive).ToList();
            if (live.Count == 0)
            {
                return;
            }

            var victim = live[Random.Shared.Next(live.Count)];
            var kill = new ChaosKill(victim.Pid, DateTimeOffset.UtcNow, sigterm);
            victim.Kill = kill;
            _kills.Add(kill);
            _replacements.Add(KillAndReplaceAsync(victim, kill, restartAfter, cancellationToken));
        }
    }

    /// <summary>Waits until every kill has run its course and its replacement has started (or failed to).</summary>
    public async Task WaitForReplacementsAsync()
    {
        Task[] pending;
        lock (_lock)
        {
            pending = [.. _replacements];
        }

        await Task.WhenAll(pending).ConfigureAwait(false);
    }

    /// <summary>SIGKILL to every silo still running, at once; safe from a signal handler and safe to call twice.</summary>
    public void KillAll()
    {
        foreach (var silo in Silos)
        {
            silo.KillNow();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _disposing.CancelAsync().ConfigureAwait(false);
        KillAll();
        try
        {
            await WaitForReplacementsAsync().ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is InvalidOperationException or OperationCanceledException)
        {
            // A replacement that could not start: already reported.
        }

        // A replacement may have started while the others were being killed.
        KillAll();
        foreach (var silo in Silos)
        {
            silo.Dispose();
        }

        _disposing.Dispose();
    }

    private static bool IsLive(ChaosSiloProcess silo) => silo.IsReady && silo.Kill is null && !silo.HasExited;

    private async Task<ChaosSiloProcess> StartSiloAsync(CancellationToken cancellationToken)
    {
        // Listed before it is ready, so that KillAll finds a silo still starting too.
        var silo = ChaosSiloProcess.Start(_benchPath, _connectionString, ServiceId);
        lock (_lock)
        {
            _silos.Add(silo);
        }

        try
        {
            await silo.WaitUntilReadyAsync(cancellationToken).ConfigureAwait(false);
            _log.WriteLine($"chaos t={_clock.Elapsed.TotalSeconds:F0}s: started {silo}");
            return silo;
        }
        catch (InvalidOperationException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("The scenario ended while a silo was starting.", cancellationToken);
        }
        catch (InvalidOperationException exception)
        {
            lock (_lock)
            {
                _startFailures.Add(exception.Message);
            }

            _log.WriteLine($"chaos t={_clock.Elapsed.TotalSeconds:F0}s: a silo failed to start: {exception.Message}");
            throw;
        }
    }

    private async Task KillAndReplaceAsync(ChaosSiloProcess victim, ChaosKill kill, TimeSpan restartAfter, CancellationToken cancellationToken)
    {
        // Off the caller's flow: the caller holds the lock.
        await Task.Yield();
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposing.Token);
        if (kill.Sigterm)
        {
            try
            {
                victim.Terminate();
            }
            catch (Win32Exception) when (victim.HasExited)
            {
                // It exited on its own just before the signal.
            }

            if (await victim.WaitForExitAsync(s_sigtermGrace).ConfigureAwait(false))
            {
                kill.ExitedAfter = DateTimeOffset.UtcNow - kill.At;
            }
            else
            {
                _log.WriteLine($"chaos t={_clock.Elapsed.TotalSeconds:F0}s: {victim} did not exit within {s_sigtermGrace.TotalSeconds} s of SIGTERM; killing it. Its last lines:{Environment.NewLine}{string.Join(Environment.NewLine, victim.OutputTail(20))}");
                victim.KillNow();
            }
        }
        else
        {
            victim.KillNow();
            kill.ExitedAfter = DateTimeOffset.UtcNow - kill.At;
        }

        _log.WriteLine($"chaos t={_clock.Elapsed.TotalSeconds:F0}s: {kill.Mode} {victim}, exited {(kill.ExitedAfter is { } after ? $"after {after.TotalSeconds:F1} s" : "when killed")} with code {victim.ExitCode}");
        try
        {
            await Task.Delay(restartAfter, stopping.Token).ConfigureAwait(false);
            await StartSiloAsync(stopping.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is InvalidOperationException or OperationCanceledException)
        {
            // A failed start is recorded in StartFailures, and EnsureLiveAsync makes up the number after the trigger
            // phase; a cancelled one means the scenario is ending.
        }
    }
}
