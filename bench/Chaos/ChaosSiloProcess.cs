using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace OrleansTasks.Bench.Chaos;

/// <summary>
/// One <c>bench chaos-silo</c> process: started with its configuration in environment variables (as tests/TestSilo
/// is), ready once it prints <c>READY</c>. Its stdout and stderr are kept in a ring buffer for diagnosis; with the
/// environment variable <c>CHAOS_SILO_LOGS</c> set to a directory, every line also goes, time-stamped, to a file per
/// silo there, and the silos log realtime's debug lines and Orleans streams' information (for chasing a violation).
/// </summary>
internal sealed class ChaosSiloProcess : IDisposable
{
    private const int OutputLines = 500;
    private static readonly TimeSpan s_startTimeout = TimeSpan.FromSeconds(90);

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChaosSiloProcess(Process process, int siloPort, int gatewayPort)
    {
        _process = process;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
    }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    /// <summary>The process id, which its side-effect rows record.</summary>
    public int Pid { get; private set; }

    /// <summary>True once the silo printed READY.</summary>
    public bool IsReady => _ready.Task.IsCompletedSuccessfully;

    public bool HasExited => _process.HasExited;

    /// <summary>The exit code, or null while the process runs.</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>Set by the orchestrator when it chose to kill or stop this silo; null while nobody meant it to end.</summary>
    public ChaosKill? Kill { get; set; }

    /// <summary>The last lines the silo wrote (stdout and stderr interleaved).</summary>
    public IReadOnlyList<string> OutputTail(int lines) => [.. _output.TakeLast(lines)];

    /// <summary>True if <paramref name="siloAddress"/>, as recorded on an attempt (<c>127.0.0.1:port@generation</c>), is this silo.</summary>
    public bool Is(string siloAddress) => siloAddress.Contains($":{SiloPort}@", StringComparison.Ordinal);

    /// <summary>
    /// Starts <c>dotnet <paramref name="benchPath"/> chaos-silo</c> and returns at once; <see cref="WaitUntilReadyAsync"/>
    /// waits for it to be ready.
    /// </summary>
    public static ChaosSiloProcess Start(string benchPath, string connectionString, string serviceId)
    {
        var siloPort = PortAllocator.Shared.Next();
        var gatewayPort = PortAllocator.Shared.Next();
        var start = new ProcessStartInfo("dotnet", [benchPath, ChaosSilo.Scenario])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,

            // The silo exits when its stdin closes: if this process dies without killing it, nothing is left behind.
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__OrleansTasks"] = connectionString,
            ["Orleans__ServiceId"] = serviceId,
            ["Orleans__ClusterId"] = serviceId,
            ["Orleans__SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
            ["Orleans__Membership__ProbeTimeout"] = "00:00:01",
            ["Orleans__Membership__NumMissedProbesLimit"] = "2",
            ["Orleans__Membership__NumVotesForDeathDeclaration"] = "1",
            ["Orleans__Membership__IAmAliveTablePublishTimeout"] = "00:00:02",
            ["Orleans__Membership__NumMissedTableIAmAliveLimit"] = "2",
            ["Orleans__Membership__TableRefreshTimeout"] = "00:00:02",
            ["OrleansTasks__SupervisorInterval"] = "00:00:01",

            // The mix's 3–8 s waits suspend (and a parent waiting for its child suspends after 2 s), so the suspend,
            // wake-up and resume paths are under fire too, not only waits held in memory.
            ["OrleansTasks__SuspendThreshold"] = "00:00:02",
            ["DOTNET_gcServer"] = "0",
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var silo = new ChaosSiloProcess(process, siloPort, gatewayPort);
        process.OutputDataReceived += (_, e) => silo.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => silo.OnOutput(e.Data);
        process.Exited += (_, _) => silo._ready.TrySetException(new InvalidOperationException($"The silo on port {siloPort} exited."));
        process.Start();
        silo.Pid = process.Id;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return silo;
    }

    /// <summary>Waits until the silo prints READY; if it does not, kills it.</summary>
    /// <exception cref="InvalidOperationException">The silo exited, or was not ready within 90 seconds.</exception>
    public async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _ready.Task.WaitAsync(s_startTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidOperationException) when (_process.HasExited)
        {
            // Its last lines may still be on their way: WaitForExit waits for the end of its output.
            _process.WaitForExit();
            throw new InvalidOperationException(
                $"The silo on port {SiloPort} (pid {Pid}) exited with code {ExitCode} before it was ready:{Environment.NewLine}{string.Join(Environment.NewLine, OutputTail(40))}");
        }
        catch (TimeoutException)
        {
            KillNow();
            throw new InvalidOperationException(
                $"The silo on port {SiloPort} (pid {Pid}) was not ready within {s_startTimeout.TotalSeconds} s:{Environment.NewLine}{string.Join(Environment.NewLine, OutputTail(40))}");
        }
        catch
        {
            KillNow();
            throw;
        }
    }

    /// <summary>SIGKILL to the silo and anything it started; returns once it is gone. Does nothing if it has exited.</summary>
    public void KillNow()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            _process.WaitForExit(TimeSpan.FromSeconds(10));
        }
        catch (InvalidOperationException)
        {
            // Never started, or already reaped: nothing to kill.
        }
    }

    /// <summary>SIGTERM: asks the silo to shut down gracefully, and returns at once. Does nothing if it has exited.</summary>
    public void Terminate()
    {
        if (!_process.HasExited)
        {
            PosixSignals.Terminate(Pid);
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the process to exit; true if it did.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public override string ToString() => $"silo pid={Pid} port={SiloPort} gateway={GatewayPort}";

    public void Dispose() => _process.Dispose();

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            return;
        }

        if (Environment.GetEnvironmentVariable("CHAOS_SILO_LOGS") is { Length: > 0 } directory)
        {
            lock (_output)
            {
                File.AppendAllText(Path.Combine(directory, $"silo-{SiloPort}.log"), $"{DateTime.UtcNow:HH:mm:ss.fff} {line}{Environment.NewLine}");
            }
        }

        _output.Enqueue(line);
        while (_output.Count > OutputLines && _output.TryDequeue(out _))
        {
        }

        if (line.Trim() == "READY")
        {
            _ready.TrySetResult();
        }
    }
}
