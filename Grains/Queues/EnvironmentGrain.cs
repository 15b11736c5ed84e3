using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansTasks.Hosting;
using OrleansTasks.Storage;

namespace OrleansTasks.Queues;

/// <summary>
/// The environment-wide concurrency limit. It leases permits to queues, one per slot they grant, and never lets
/// the permits out pass the limit. Queues report absolutely (what they hold, and how many permits they have received
/// from this activation), so grants still in flight are counted and a lost report heals with the next. While more
/// permits are wanted than are free, the environment is contended: queues then hand each freed permit back, and it
/// goes to the waiting queue whose best run is oldest (queue time less priority), a few at a time in turn.
/// </summary>
internal sealed partial class EnvironmentGrain(
    IRunStore store,
    IOptions<OrleansTasksOptions> options,
    TimeProvider time,
    ILogger<EnvironmentGrain> logger) : Grain, IEnvironmentGrain
{
    private readonly Dictionary<string, Holder> _holders = new(StringComparer.Ordinal);
    private long _generation;
    private bool _contended;
    private int _peak;

    private int Limit => options.Value.EnvironmentConcurrencyLimit;

    private int Held => _holders.Values.Sum(h => h.Held);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _generation = time.GetUtcNow().UtcTicks;

        // What this activation knows before any queue reports: the runs that hold slots now. Each such queue is told
        // of the new generation and answers with a full report.
        foreach (var (queue, running) in await store.CountSlotHoldersAsync(cancellationToken))
        {
            _holders[queue] = new Holder { Held = running };
            GrainFactory.GetGrain<IQueueGrain>(queue).PermitsAsync(new PermitGrant(_generation, Guid.Empty, 0, Contended: false, Free: 0)).Ignore();
        }

        LogActivated(Limit, Held);
    }

    public Task UpdateAsync(PermitDemand demand)
    {
        if (!_holders.TryGetValue(demand.Queue, out var holder))
        {
            holder = new Holder();
            _holders.Add(demand.Queue, holder);
        }

        if (holder.Epoch != demand.Epoch)
        {
            // A new activation of the queue: grants meant for the old one are void (it ignores them), so only what
            // this activation holds, plus what was sent to it and not yet received, counts.
            holder.Epoch = demand.Epoch;
            holder.Sequence = 0;
            holder.Granted = demand.Generation == _generation ? demand.Received : 0;
        }
        else if (demand.Sequence <= holder.Sequence)
        {
            return Task.CompletedTask; // Overtaken by a later report.
        }

        holder.Sequence = demand.Sequence;
        var inFlight = demand.Generation == _generation ? holder.Granted - demand.Received : holder.Granted;
        holder.Held = demand.Held + (int)Math.Max(0, inFlight);
        holder.Wanted = demand.Wanted;
        holder.Head = demand.Head;
        Allocate();
        return Task.CompletedTask;
    }

    public Task<EnvironmentInfo> GetInfoAsync() =>
        Task.FromResult(new EnvironmentInfo(Limit, Held, _holders.Values.Count(h => h.Wanted > 0), _peak));

    /// <summary>Hands free permits to waiting queues, best head first, a few at a time in turn.</summary>
    private void Allocate()
    {
        var free = Limit - Held;
        var waiting = _holders.Where(h => h.Value.Wanted > 0).OrderBy(h => h.Value.Head).ToList();
        var grants = new Dictionary<string, int>(StringComparer.Ordinal);
        const int Step = 4;
        while (free > 0 && waiting.Count > 0)
        {
            for (var i = 0; i < waiting.Count && free > 0; i++)
            {
                var (name, holder) = waiting[i];
                var count = Math.Min(Math.Min(Step, holder.Wanted), free);
                holder.Wanted -= count;
                holder.Held += count;
                holder.Granted += count;
                free -= count;
                grants[name] = grants.GetValueOrDefault(name) + count;
            }

            waiting.RemoveAll(h => h.Value.Wanted == 0);
        }

        _peak = Math.Max(_peak, Held);
        var contended = _holders.Values.Any(h => h.Wanted > 0);
        foreach (var (name, count) in grants)
        {
            Send(name, count, contended);
        }

        if (contended != _contended)
        {
            _contended = contended;
            LogContention(contended, Held, Limit);
            foreach (var (name, holder) in _holders)
            {
                if (holder.Held > 0 && !grants.ContainsKey(name))
                {
                    Send(name, 0, contended);
                }
            }
        }

        foreach (var name in _holders.Where(h => h.Value is { Held: 0, Wanted: 0 }).Select(h => h.Key).ToList())
        {
            _holders.Remove(name);
        }
    }

    private void Send(string queue, int count, bool contended)
    {
        var holder = _holders[queue];
        GrainFactory.GetGrain<IQueueGrain>(queue).PermitsAsync(new PermitGrant(_generation, holder.Epoch, count, contended, Math.Max(0, Limit - Held))).Ignore();
    }

    private sealed class Holder
    {
        public Guid Epoch { get; set; }

        public long Sequence { get; set; }

        /// <summary>Permits the queue holds, counting those sent and not yet received.</summary>
        public int Held { get; set; }

        /// <summary>Permits sent to the queue's current activation by this one.</summary>
        public long Granted { get; set; }

        public int Wanted { get; set; }

        public long Head { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Environment limit {Limit}: activated with {Held} runs holding slots.")]
    private partial void LogActivated(int limit, int held);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Environment contended: {Contended} ({Held} of {Limit} permits out).")]
    private partial void LogContention(bool contended, int held, int limit);
}
