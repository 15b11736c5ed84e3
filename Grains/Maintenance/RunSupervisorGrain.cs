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

    private readonly PriorityQueue<string, DateTimeOffset> _due = new();
    private readonly Dictionary<string, DateTimeOffset> _scheduled = new(StringComparer.Ordinal);
    private readonly HashSet<string> _deadSilosSeen = new(StringComparer.Ordinal);
    private IGrainTimer? _scanTimer;
    private IGrainTimer? _wakeTimer;
    private DateTimeOffset? _wakeTimerAt;
    private bool _scanning;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await this.RegisterOrUpdateReminder("keep-alive", TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        var interval = options.Value.SupervisorInterval;
        _scanTimer = this.RegisterGrainTimer(static (grain, _) => grain.ScanAsync(), this, new GrainTimerCreationOptions(TimeSpan.Zero, interval) { KeepAlive = true });
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;

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
            await ForEachAsync(orphans, id => GrainFactory.GetGrain<IRunGrain>(id).ResumeAsync());
        }

        if (newlyDead.Count > 0)
        {
            // A queue grain that lived on a dead silo holds nothing durable: activating it again rebuilds its backlog.
            var queues = await store.FindQueuesWithBacklogAsync();
            await ForEachAsync(queues, name => GrainFactory.GetGrain<IQueueGrain>(name).GetInfoAsync());
        }
    }

    private async Task LoadDueAsync()
    {
        var due = await store.FindDueAsync(time.GetUtcNow() + Lookahead, ScanLimit);
        foreach (var run in due)
        {
            Add(run.RunId, run.WakeAt);
        }

        ArmWakeTimer();
    }

    private void Add(string runId, DateTimeOffset wakeAt)
    {
        if (_scheduled.TryGetValue(runId, out var existing) && existing == wakeAt)
        {
            return;
        }

        _scheduled[runId] = wakeAt;
        _due.Enqueue(runId, wakeAt);
    }

    private void ArmWakeTimer()
    {
        if (!_due.TryPeek(out _, out var next))
        {
            return;
        }

        if (_wakeTimerAt is { } armed && armed <= next)
        {
            return;
        }

        var delay = next - time.GetUtcNow();
        _wakeTimer?.Dispose();
        _wakeTimerAt = next;
        _wakeTimer = this.RegisterGrainTimer(
            static (grain, _) => grain.FireDueAsync(),
            this,
            new GrainTimerCreationOptions(delay < TimeSpan.Zero ? TimeSpan.Zero : delay, Timeout.InfiniteTimeSpan) { KeepAlive = true });
    }

    private async Task FireDueAsync()
    {
        _wakeTimer?.Dispose();
        _wakeTimer = null;
        _wakeTimerAt = null;
        var now = time.GetUtcNow();
        var ready = new List<string>();
        while (_due.TryPeek(out var runId, out var wakeAt) && wakeAt <= now)
        {
            _due.Dequeue();
            if (_scheduled.TryGetValue(runId, out var current) && current == wakeAt)
            {
                _scheduled.Remove(runId);
                ready.Add(runId);
            }
        }

        await ForEachAsync(ready, id => GrainFactory.GetGrain<IRunGrain>(id).ResumeAsync());
        ArmWakeTimer();
    }

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
