namespace OrleansTasks.Queues;

/// <summary>A grant the environment owes a queue.</summary>
internal readonly record struct PermitSend(string Queue, PermitGrant Grant);

/// <summary>
/// The environment's side of the permit protocol (see <see cref="IEnvironmentGrain"/>), with no Orleans in it: the
/// permits each queue holds, and who gets the free ones. Queues report absolutely (what they hold, and how many permits
/// they have received from this generation), so grants still in flight are counted and a lost report heals with the
/// next. While more permits are wanted than are free the pool is contended: queues then hand each freed permit back,
/// and it goes to the waiting queue whose best run is oldest (queue time less priority), a few at a time in turn.
/// </summary>
internal sealed class PermitPool(long generation)
{
    /// <summary>How many permits a waiting queue gets in one turn before the next waiting queue's turn.</summary>
    private const int Step = 4;

    private readonly Dictionary<string, Holder> _holders = new(StringComparer.Ordinal);

    /// <summary>This environment activation's generation: queues count what they received from it.</summary>
    public long Generation { get; } = generation;

    public bool Contended { get; private set; }

    /// <summary>Permits out, counting those sent and not yet received.</summary>
    public int Held
    {
        get
        {
            var held = 0;
            foreach (var holder in _holders.Values)
            {
                held += holder.Held;
            }

            return held;
        }
    }

    public int WaitingQueues => _holders.Values.Count(h => h.Wanted > 0);

    public int PeakHeld { get; private set; }

    /// <summary>
    /// Before any report: <paramref name="queue"/> has <paramref name="running"/> runs holding slots (from the table).
    /// Returns the news to send it, so it answers with a full report.
    /// </summary>
    public PermitSend Seed(string queue, int running)
    {
        _holders[queue] = new Holder { Held = running };
        return new PermitSend(queue, new PermitGrant(Generation, Guid.Empty, 0, Contended: false, Free: 0));
    }

    /// <summary>Takes in a queue's report and hands out free permits under <paramref name="limit"/>; returns what to send.</summary>
    public IReadOnlyList<PermitSend> Update(PermitDemand demand, int limit)
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
            holder.Granted = demand.Generation == Generation ? demand.Received : 0;
        }
        else if (demand.Sequence <= holder.Sequence)
        {
            return []; // Overtaken by a later report.
        }

        holder.Sequence = demand.Sequence;
        var inFlight = demand.Generation == Generation ? holder.Granted - demand.Received : holder.Granted;
        holder.Held = demand.Held + (int)Math.Max(0, inFlight);
        holder.Wanted = demand.Wanted;
        holder.Head = demand.Head;
        return Allocate(limit);
    }

    /// <summary>Hands free permits to waiting queues, best head first, a few at a time in turn.</summary>
    /// <remarks>Called on every report, so it loops instead of building LINQ pipelines and allocates only what it sends.</remarks>
    private List<PermitSend> Allocate(int limit)
    {
        var free = limit - Held;
        List<(long Head, int Index, string Name, Holder Holder)>? waiting = null;
        var index = 0;
        foreach (var (name, holder) in _holders)
        {
            if (holder.Wanted > 0)
            {
                (waiting ??= []).Add((holder.Head, index++, name, holder));
            }
        }

        Dictionary<string, int>? grants = null;
        if (waiting is not null && free > 0)
        {
            // Best head first; equal heads keep the pool's order.
            waiting.Sort(static (a, b) => a.Head != b.Head ? a.Head.CompareTo(b.Head) : a.Index.CompareTo(b.Index));
            grants = new Dictionary<string, int>(StringComparer.Ordinal);
            while (free > 0 && waiting.Count > 0)
            {
                for (var i = 0; i < waiting.Count && free > 0; i++)
                {
                    var (_, _, name, holder) = waiting[i];
                    var count = Math.Min(Math.Min(Step, holder.Wanted), free);
                    holder.Wanted -= count;
                    holder.Held += count;
                    holder.Granted += count;
                    free -= count;
                    grants[name] = grants.GetValueOrDefault(name) + count;
                }

                waiting.RemoveAll(static h => h.Holder.Wanted == 0);
            }
        }

        var held = Held;
        PeakHeld = Math.Max(PeakHeld, held);
        var contended = false;
        foreach (var holder in _holders.Values)
        {
            contended |= holder.Wanted > 0;
        }

        var sends = new List<PermitSend>(grants?.Count ?? 0);
        if (grants is not null)
        {
            foreach (var (name, count) in grants)
            {
                sends.Add(Send(name, count, contended, limit - held));
            }
        }

        if (contended != Contended)
        {
            // Every holder learns of the change: while contended, freed permits come back here.
            Contended = contended;
            foreach (var (name, holder) in _holders)
            {
                if (holder.Held > 0 && grants?.ContainsKey(name) != true)
                {
                    sends.Add(Send(name, 0, contended, limit - held));
                }
            }
        }

        List<string>? idle = null;
        foreach (var (name, holder) in _holders)
        {
            if (holder is { Held: 0, Wanted: 0 })
            {
                (idle ??= []).Add(name);
            }
        }

        foreach (var name in idle ?? [])
        {
            _holders.Remove(name);
        }

        return sends;
    }

    private PermitSend Send(string queue, int count, bool contended, int free) =>
        new(queue, new PermitGrant(Generation, _holders[queue].Epoch, count, contended, Math.Max(0, free)));

    private sealed class Holder
    {
        public Guid Epoch { get; set; }

        public long Sequence { get; set; }

        /// <summary>Permits the queue holds, counting those sent and not yet received.</summary>
        public int Held { get; set; }

        /// <summary>Permits sent to the queue's current activation by this generation.</summary>
        public long Granted { get; set; }

        public int Wanted { get; set; }

        public long Head { get; set; }
    }
}
