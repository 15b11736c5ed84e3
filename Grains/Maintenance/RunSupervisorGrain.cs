using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using OrleansTasks.Hosting;
using OrleansTasks.Queues;
using OrleansTasks.Runs;
using OrleansTasks.Storage;

namespace OrleansTasks.Maintenance;

/// <summary>
/// Drives the runs no live grain drives. Every <see cref="OrleansTasksOptions.SupervisorInterval"/>, and whenever a
/// silo leaves, it resumes runs owned by silos that are gone, and loads suspended runs due within the next
/// <see cref="Lookahead"/> into an in-memory timer heap that fires each at its moment. One per cluster; a reminder
/// brings it back on another silo if its own dies, and every silo pokes it when membership changes.
/// </summary>
internal sealed partial class RunSupervisorGrain(
    IRunStore store,
    IClusterMembershipService membership,
    TimeProvider time,
    IOptions<OrleansTasksOptions> options,
    ILogger<RunSupervisorGrain> logger) : Grain, IRunSupervisorGrain, IRemindable
{
    internal static readonly TimeSpan Lookahead = TimeSpan.FromSeconds(30);
    private const int ScanLimit = 10_000;
    private const int ResumeParallelism = 200;

    /// <summary>How many wake-ups may be in flight at once.</summary>
    private const int MaxWakesInFlight = 2000;

    /// <summary>
    /// Runs are woken this much before their moment: activating, loading and replaying happen before it, and the run
    /// waits the last moments in memory.
    /// </summary>
    internal static readonly TimeSpan WakeEarly = TimeSpan.FromSeconds(1);

    /// <summary>How long a woken run is not woken again by a scan that still sees it due (its save may not have landed).</summary>
    private static readonly TimeSpan s_wokenMemory = TimeSpan.FromSeconds(30);

    /// <summary>A suspended run this far past its moment was missed (a lost message, a supervisor that moved): sweep it up.</summary>
    private static readonly TimeSpan s_overdue = TimeSpan.FromSeconds(5);

    private readonly PriorityQueue<string, DateTimeOffset> _due = new();
    private readonly Dictionary<string, DateTimeOffset> _scheduled = new(StringComparer.Ordinal);
    private readonly HashSet<string> _deadSilosSeen = new(StringComparer.Ordinal);
    private IGrainTimer? _scanTimer;
    private IGrainTimer? _wakeTimer;
    private DateTimeOffset? _wakeTimerAt;
    private bool _scanning;
    private readonly Dictionary<string, DateTimeOffset> _woken = new(StringComparer.Ordinal);

    /// <summary>How many wake-ups of a run failed in a row: each waits twice as long as the last before the next.</summary>
    private readonly Dictionary<string, int> _wakeFailures = new(StringComparer.Ordinal);
    private int _wakesInFlight;
    private bool _stopping;

    /// <summary>Everything due up to here has been read from the table; each scan reads only what lies beyond.</summary>
    private DateTimeOffset _loadedUntil = DateTimeOffset.MinValue;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await this.RegisterOrUpdateReminder("keep-alive", TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        var interval = options.Value.SupervisorInterval;
        _scanTimer = this.RegisterGrainTimer(static (grain, _) => grain.ScanAsync(), this, new GrainTimerCreationOptions(TimeSpan.Zero, interval) { KeepAlive = true });
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Whatever is due is in the table; the supervisor's next activation picks it up.
        _stopping = true;
        _wakeTimer?.Dispose();
        _scanTimer?.Dispose();
        return base.OnDeactivateAsync(reason, cancellationToken);
    }

    public Task PokeAsync() => ScanAsync();

    public Task ScheduleAsync(string runId, DateTimeOffset wakeAt)
    {
        if (wakeAt - time.GetUtcNow() <= Lookahead)
        {
            Add(runId, wakeAt);
            ArmWakeTimer();
        }

        return Task.CompletedTask;
    }

    private async Task ScanAsync()
    {
        if (_scanning)
        {
            return;
        }

        _scanning = true;
        try
        {
            await RecoverOrphansAsync();
            await LoadDueAsync();
        }
        catch (Exception exception)
        {
            LogScanFailed(exception);
        }
        finally
        {
            _scanning = false;
        }
    }

    private async Task RecoverOrphansAsync()
    {
        var snapshot = membership.CurrentSnapshot;
        var live = snapshot.Members.Values
            .Where(m => m.Status is not SiloStatus.Dead and not SiloStatus.None)
            .Select(m => m.SiloAddress.ToParsableString())
            .ToHashSet(StringComparer.Ordinal);
        var newlyDead = snapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Dead && _deadSilosSeen.Add(m.SiloAddress.ToParsableString()))
            .ToList();

        var orphans = await store.FindOrphansAsync(live, ScanLimit);
        if (orphans.Count > 0)
        {
            LogRecovering(orphans.Count);
            await ForEachAsync(orphans, id => GrainFactory.Reference<IRunGrain>(id).ResumeAsync());
        }

        if (newlyDead.Count > 0)
        {
            // A queue grain that lived on a dead silo holds nothing durable: activating it again rebuilds its backlog.
            var queues = await store.FindQueuesWithBacklogAsync();
            await ForEachAsync(queues, name => GrainFactory.Reference<IQueueGrain>(name).GetInfoAsync());
        }
    }

    private async Task LoadDueAsync()
    {
        var now = time.GetUtcNow();
        foreach (var (runId, wokenAt) in _woken.ToList())
        {
            if (now - wokenAt > s_wokenMemory)
            {
                _woken.Remove(runId);
            }
        }

        // Runs suspended from now on announce themselves (ScheduleAsync); the table is read for what lies beyond the
        // window already read, and for runs long overdue, which some lost message left behind.
        var until = now + Lookahead;
        var ahead = await store.FindDueAsync(_loadedUntil, until, ScanLimit);
        _loadedUntil = ahead.Count == ScanLimit ? ahead[^1].WakeAt : until;
        var overdue = await store.FindDueAsync(DateTimeOffset.MinValue, now - s_overdue, ScanLimit);
        foreach (var run in ahead.Concat(overdue).Where(r => !_woken.ContainsKey(r.RunId)))
        {
            Add(run.RunId, run.WakeAt);
        }

        ArmWakeTimer();
    }

    private void Add(string runId, DateTimeOffset wakeAt)
    {
        // The table keeps microseconds and memory keeps ticks: compare to the millisecond.
        wakeAt = DateTimeOffset.FromUnixTimeMilliseconds(wakeAt.ToUnixTimeMilliseconds());
        _woken.Remove(runId);
        if (_stopping || (_scheduled.TryGetValue(runId, out var existing) && existing == wakeAt))
        {
            return;
        }

        _scheduled[runId] = wakeAt;
        _due.Enqueue(runId, wakeAt);
    }

    private void ArmWakeTimer()
    {
        if (_stopping || !_due.TryPeek(out _, out var next))
        {
            return;
        }

        if (_wakeTimerAt is { } armed && armed <= next)
        {
            return;
        }

        if (_wakesInFlight >= MaxWakesInFlight)
        {
            return; // A wake-up finishing re-arms the timer.
        }

        var delay = next - WakeEarly - time.GetUtcNow();
        _wakeTimer?.Dispose();
        _wakeTimerAt = next;
        _wakeTimer = this.RegisterGrainTimer(
            static (grain, _) => grain.FireDueAsync(),
            this,
            new GrainTimerCreationOptions(delay < TimeSpan.Zero ? TimeSpan.Zero : delay, Timeout.InfiniteTimeSpan) { KeepAlive = true });
    }

    private Task FireDueAsync()
    {
        _wakeTimer?.Dispose();
        _wakeTimer = null;
        _wakeTimerAt = null;
        var horizon = time.GetUtcNow() + WakeEarly;
        while (_wakesInFlight < MaxWakesInFlight && _due.TryPeek(out var runId, out var wakeAt) && wakeAt <= horizon)
        {
            _due.Dequeue();
            if (_scheduled.TryGetValue(runId, out var current) && current == wakeAt)
            {
                _scheduled.Remove(runId);
                _woken[runId] = time.GetUtcNow();
                _wakesInFlight++;
                _ = WakeAsync(runId, wakeAt);
            }
        }

        ArmWakeTimer();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Wakes one run without holding the supervisor's turn: a slow activation never delays the wake-ups behind it.
    /// One that fails goes back on the heap, after 1 s, then 2, 4… up to 30 s: a run whose recovery keeps failing
    /// (a silo it needs is still going down) is not retried in a tight loop.
    /// </summary>
    private async Task WakeAsync(string runId, DateTimeOffset wakeAt)
    {
        try
        {
            await GrainFactory.Reference<IRunGrain>(runId).ResumeAsync();
            _wakeFailures.Remove(runId);
        }
        catch (Exception exception) when (!_stopping)
        {
            LogResumeFailed(exception, runId);
            var failures = _wakeFailures[runId] = _wakeFailures.GetValueOrDefault(runId) + 1;
            var retryAt = time.GetUtcNow() + WakeEarly + RetryDelay(failures);
            Add(runId, wakeAt > retryAt ? wakeAt : retryAt);
        }
        finally
        {
            _wakesInFlight--;
            ArmWakeTimer();
        }
    }

    internal static TimeSpan RetryDelay(int failures) => TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, Math.Min(failures, 6) - 1)));

    private async Task ForEachAsync(IReadOnlyList<string> ids, Func<string, Task> action)
    {
        for (var start = 0; start < ids.Count; start += ResumeParallelism)
        {
            var chunk = ids.Skip(start).Take(ResumeParallelism).Select(async id =>
            {
                try
                {
                    await action(id);
                }
                catch (Exception exception)
                {
                    LogResumeFailed(exception, id);
                }
            });
            await Task.WhenAll(chunk);
        }
    }
}
