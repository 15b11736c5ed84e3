using Microsoft.Extensions.Logging;
using OrleansTasks.Registry;
using OrleansTasks.Runs;
using OrleansTasks.Storage;

namespace OrleansTasks.Queues;

/// <summary>
/// A queue with a concurrency limit: the backlog in FIFO order and the runs holding its slots. Being one grain per
/// queue is what makes the limit hold across the cluster. It never waits on a run: grants are one-way messages.
/// </summary>
/// <remarks>
/// Nothing here is persisted; the <c>runs</c> table is the record. On activation the queue rebuilds itself from the
/// runs that are queued or hold a slot, and while it has a backlog it reconciles with the table every so often, so
/// a grant, enqueue or release lost with a dead silo heals instead of leaking a slot.
/// </remarks>
internal sealed partial class QueueGrain(
    IRunStore store,
    TaskRegistry registry,
    TimeProvider time,
    ILogger<QueueGrain> logger) : Grain, IQueueGrain
{
    private static readonly TimeSpan s_reconcileInterval = TimeSpan.FromSeconds(30);

    private readonly Dictionary<string, DateTimeOffset> _running = new(StringComparer.Ordinal);
    private readonly SortedSet<Entry> _backlog = [];
    private readonly Dictionary<string, Entry> _queued = new(StringComparer.Ordinal);
    private long _sequence;
    private IGrainTimer? _reconcileTimer;

    private string Name => this.GetPrimaryKeyString();

    private int Limit => registry.GetQueueLimit(Name) ?? int.MaxValue;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var entry in await store.LoadQueueAsync(Name, time.GetUtcNow(), cancellationToken))
        {
            if (entry.Status == RunStatus.Queued)
            {
                AddToBacklog(entry.RunId, entry.Order);
            }
            else
            {
                _running[entry.RunId] = time.GetUtcNow();
            }
        }

        LogRebuilt(Name, _running.Count, _queued.Count);
        Dispatch();
    }

    public Task EnqueueAsync(string runId, long order)
    {
        if (_running.ContainsKey(runId))
        {
            // It holds a slot but asks again: it never got (or lost) its grant. Send it once more.
            Grant(runId);
        }
        else if (!_queued.ContainsKey(runId))
        {
            AddToBacklog(runId, order);
            Dispatch();
        }

        return Task.CompletedTask;
    }

    public Task ReleaseAsync(string runId)
    {
        if (!_running.Remove(runId) && _queued.Remove(runId, out var entry))
        {
            _backlog.Remove(entry);
        }

        Dispatch();
        return Task.CompletedTask;
    }

    public Task<QueueInfo> GetInfoAsync() =>
        Task.FromResult(new QueueInfo(Name, registry.GetQueueLimit(Name), _running.Count, _queued.Count));

    private void AddToBacklog(string runId, long order)
    {
        var entry = new Entry(order, _sequence++, runId);
        _queued[runId] = entry;
        _backlog.Add(entry);
    }

    private void Dispatch()
    {
        var limit = Limit;
        while (_running.Count < limit && _backlog.Min is { } next)
        {
            _backlog.Remove(next);
            _queued.Remove(next.RunId);
            _running[next.RunId] = time.GetUtcNow();
            Grant(next.RunId);
        }

        if (_queued.Count > 0)
        {
            _reconcileTimer ??= this.RegisterGrainTimer(
                static (grain, cancellationToken) => grain.ReconcileAsync(cancellationToken),
                this,
                new GrainTimerCreationOptions(s_reconcileInterval, s_reconcileInterval) { KeepAlive = true });
        }
        else
        {
            _reconcileTimer?.Dispose();
            _reconcileTimer = null;
        }
    }

    private void Grant(string runId) => GrainFactory.GetGrain<IRunGrain>(runId).GrantSlotAsync().Ignore();

    /// <summary>Brings the in-memory queue in line with the table; what a message lost with a silo leaves behind.</summary>
    private async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var stored = (await store.LoadQueueAsync(Name, now, cancellationToken)).ToDictionary(e => e.RunId, StringComparer.Ordinal);
        foreach (var (runId, grantedAt) in _running.ToList())
        {
            if (now - grantedAt < s_reconcileInterval)
            {
                continue; // Too recent to judge: its status write may still be in flight.
            }

            if (!stored.TryGetValue(runId, out var entry))
            {
                _running.Remove(runId);
                LogReclaimedSlot(Name, runId);
            }
            else if (entry.Status == RunStatus.Queued)
            {
                Grant(runId);
            }
        }

        foreach (var entry in stored.Values.Where(e => !_running.ContainsKey(e.RunId) && !_queued.ContainsKey(e.RunId)))
        {
            if (entry.Status == RunStatus.Queued)
            {
                AddToBacklog(entry.RunId, entry.Order);
            }
            else
            {
                // Executing under a grant this activation never saw: it counts against the limit all the same.
                _running[entry.RunId] = now;
            }
        }

        Dispatch();
    }

    private readonly record struct Entry(long Order, long Sequence, string RunId) : IComparable<Entry>
    {
        public int CompareTo(Entry other)
        {
            var byOrder = Order.CompareTo(other.Order);
            return byOrder != 0 ? byOrder : Sequence.CompareTo(other.Sequence);
        }
    }
}
