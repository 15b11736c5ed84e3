namespace OrleansTasks.Queues;

/// <summary>The limits a queue is served under. Set again whenever the Queues API changes one.</summary>
/// <param name="PerKey">Slots each concurrency key may hold (the queue's limit, or its override).</param>
/// <param name="Total">Slots all keys together may hold.</param>
/// <param name="Rate">Starts allowed per key per period, if limited.</param>
/// <param name="Paused">Whether nothing may start.</param>
internal readonly record struct QueueLimits(int PerKey, int Total, QueueRateLimit? Rate, bool Paused);

/// <summary>What <see cref="KeyedBacklog.TakeNext"/> took: a run that now holds a slot, or one whose time to live ran out.</summary>
internal readonly record struct BacklogTake(string RunId, bool Expired);

/// <summary>What <see cref="KeyedBacklog.Release"/> did with a run.</summary>
internal enum BacklogRelease
{
    /// <summary>The run was neither waiting nor holding a slot.</summary>
    NotHere,

    /// <summary>The run held a slot, which is free now.</summary>
    SlotFreed,

    /// <summary>The run was waiting and has left the backlog.</summary>
    LeftBacklog,
}

/// <summary>
/// A queue's runs and the rules that say which may start, with no Orleans in it: every concurrency key's backlog in
/// order (queue order, then arrival), the runs holding slots, the per-key limit, the cap across keys, the per-key rate
/// limit, pausing and queued runs' time to live. Time is passed in; <see cref="NextDueAt"/> says when time alone will
/// change something (a rate window reopening, a queued run expiring), for the owner to call <see cref="OnClock"/> then.
/// Permits (the environment-wide limit) are the owner's business: it takes runs only while it has them.
/// </summary>
internal sealed class KeyedBacklog(QueueLimits limits)
{
    /// <summary>
    /// How long before its moment a run that asked ahead joins the backlog. A grant that reaches it before the moment
    /// arms its start on its silo's start clock, which starts every run due at one moment in one pass; the slot is
    /// held from the grant, so a limited queue lends it that much early.
    /// </summary>
    public static readonly TimeSpan AheadLead = TimeSpan.FromSeconds(1);

    private readonly Dictionary<string, KeyState> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Slot> _running = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Entry> _queued = new(StringComparer.Ordinal);

    /// <summary>The keys that could start a run now but for permits and the cap, best head first.</summary>
    private readonly SortedSet<Entry> _ready = [];

    /// <summary>
    /// Runs that asked ahead (<see cref="QueueTicket.NotBefore"/>): they join the backlog <see cref="AheadLead"/> before
    /// that moment.
    /// </summary>
    private readonly Dictionary<string, QueueTicket> _ahead = new(StringComparer.Ordinal);

    private readonly PriorityQueue<string, DateTimeOffset> _aheadDue = new();

    private readonly PriorityQueue<string, DateTimeOffset> _rateReopens = new();
    private readonly PriorityQueue<string, DateTimeOffset> _expiries = new();

    /// <summary>How many runs the ready keys could start now.</summary>
    private int _readyDemand;

    private long _sequence;
    private QueueLimits _limits = limits;

    public QueueLimits Limits => _limits;

    /// <summary>Runs holding a slot.</summary>
    public int Running => _running.Count;

    /// <summary>Runs waiting for one.</summary>
    public int Queued => _queued.Count;

    /// <summary>Delayed runs that asked ahead and join the backlog at their moment.</summary>
    public int Ahead => _ahead.Count;

    public int PeakRunning { get; private set; }

    public int PeakRunningPerKey { get; private set; }

    /// <summary>Keys with a run waiting or holding a slot.</summary>
    public int ActiveKeys => _keys.Values.Count(k => k.Running > 0 || k.Backlog.Count > 0);

    /// <summary>How many runs could start now if permits allowed: within every key's limit and rate, and the cap.</summary>
    public int Demand => Running >= _limits.Total ? 0 : Math.Min(_readyDemand, _limits.Total - Running);

    /// <summary>The queue order of the best run that could start now; <see cref="long.MaxValue"/> if none could.</summary>
    public long HeadOrder => _ready.Min is { } best ? best.Order : long.MaxValue;

    /// <summary>When time alone next changes what may start: a run asked ahead for it, a rate window reopening or a queued run expiring.</summary>
    public DateTimeOffset? NextDueAt
    {
        get
        {
            DateTimeOffset? next = null;
            if (_aheadDue.TryPeek(out _, out var ahead))
            {
                next = ahead;
            }

            if (_rateReopens.TryPeek(out _, out var reopen) && (next is null || reopen < next))
            {
                next = reopen;
            }

            if (_expiries.TryPeek(out _, out var expiry) && (next is null || expiry < next))
            {
                next = expiry;
            }

            return next;
        }
    }

    /// <summary>The runs holding slots, with when each was granted.</summary>
    public IEnumerable<(string RunId, DateTimeOffset GrantedAt)> Slots => _running.Select(s => (s.Key, s.Value.GrantedAt));

    public bool IsQueued(string runId) => _queued.ContainsKey(runId);

    public bool HoldsSlot(string runId, out DateTimeOffset grantedAt)
    {
        var holds = _running.TryGetValue(runId, out var slot);
        grantedAt = slot.GrantedAt;
        return holds;
    }

    /// <summary>Changes the limits; keys are judged again at once.</summary>
    public void SetLimits(QueueLimits limits, DateTimeOffset now)
    {
        _limits = limits;
        foreach (var key in _keys.Values.ToList())
        {
            Refresh(key, now);
        }
    }

    /// <summary>
    /// Adds a run to its key's backlog; one asking ahead is kept aside until <see cref="AheadLead"/> before its
    /// <see cref="QueueTicket.NotBefore"/> (<see cref="OnClock"/> moves it in), and asking again without it moves it in now. A run already waiting or
    /// holding a slot is left as it is.
    /// </summary>
    public void Enqueue(QueueTicket ticket, DateTimeOffset now)
    {
        if (_queued.ContainsKey(ticket.RunId) || _running.ContainsKey(ticket.RunId))
        {
            return;
        }

        if (ticket.NotBefore is { } notBefore && notBefore - AheadLead > now)
        {
            _ahead[ticket.RunId] = ticket;
            _aheadDue.Enqueue(ticket.RunId, notBefore - AheadLead);
            return;
        }

        _ahead.Remove(ticket.RunId);

        var key = GetKey(ticket.ConcurrencyKey ?? "");
        var entry = new Entry(ticket.Order, _sequence++, ticket.RunId, key.Name, ticket.ExpiresAt);
        _queued[ticket.RunId] = entry;
        key.Backlog.Add(entry);
        if (ticket.ExpiresAt is { } expiresAt)
        {
            _expiries.Enqueue(ticket.RunId, expiresAt);
        }

        Refresh(key, now);
    }

    /// <summary>Counts a run as holding a slot of its key (found executing when the queue was rebuilt).</summary>
    public void AddRunning(string runId, string? concurrencyKey, DateTimeOffset now)
    {
        var key = GetKey(concurrencyKey ?? "");
        _running[runId] = new Slot(key.Name, now);
        key.Running++;
        PeakRunningPerKey = Math.Max(PeakRunningPerKey, key.Running);
        PeakRunning = Math.Max(PeakRunning, _running.Count);
        Refresh(key, now);
    }

    /// <summary>A run is done with the queue: it frees its slot, or leaves the backlog.</summary>
    public BacklogRelease Release(string runId, DateTimeOffset now)
    {
        if (_running.Remove(runId, out var slot))
        {
            var key = _keys[slot.Key];
            key.Running--;
            Refresh(key, now);
            return BacklogRelease.SlotFreed;
        }

        if (_queued.Remove(runId, out var entry))
        {
            var key = _keys[entry.Key];
            key.Backlog.Remove(entry);
            Refresh(key, now);
            return BacklogRelease.LeftBacklog;
        }

        return _ahead.Remove(runId) ? BacklogRelease.LeftBacklog : BacklogRelease.NotHere;
    }

    /// <summary>
    /// Takes the best run that may start now (best key head first, within the cap) and gives it a slot; a run whose
    /// time to live ran out is taken out without one. Null when nothing may start.
    /// </summary>
    public BacklogTake? TakeNext(DateTimeOffset now)
    {
        if (Running >= _limits.Total || _ready.Min is not { } head)
        {
            return null;
        }

        var key = _keys[head.Key];
        var entry = key.Backlog.Min!;
        key.Backlog.Remove(entry);
        _queued.Remove(entry.RunId);
        if (entry.ExpiresAt is { } expiresAt && expiresAt <= now)
        {
            Refresh(key, now);
            return new BacklogTake(entry.RunId, Expired: true);
        }

        key.RecordStart(now, _limits.Rate);
        AddRunning(entry.RunId, key.Name, now);
        return new BacklogTake(entry.RunId, Expired: false);
    }

    /// <summary>Takes out the waiting runs whose time to live has run out, and returns them.</summary>
    public IReadOnlyList<string> ExpireDue(DateTimeOffset now)
    {
        List<string>? expired = null;
        while (_expiries.TryPeek(out var runId, out var expiresAt) && expiresAt <= now)
        {
            _expiries.Dequeue();
            if (_queued.Remove(runId, out var entry))
            {
                var key = _keys[entry.Key];
                key.Backlog.Remove(entry);
                (expired ??= []).Add(runId);
                Refresh(key, now);
            }
        }

        return expired ?? (IReadOnlyList<string>)[];
    }

    /// <summary>Time has passed: runs asked ahead for it join the backlog, and keys whose rate window has reopened may start runs again.</summary>
    public void OnClock(DateTimeOffset now)
    {
        while (_aheadDue.TryPeek(out var runId, out var at) && at <= now)
        {
            _aheadDue.Dequeue();
            if (_ahead.TryGetValue(runId, out var ticket) && ticket.NotBefore - AheadLead <= now)
            {
                // Ordered by the moment it asked for, as if it had been queued then; its time to live counts from then.
                Enqueue(ticket with { NotBefore = null }, now);
            }
        }

        while (_rateReopens.TryPeek(out var keyName, out var at) && at <= now)
        {
            _rateReopens.Dequeue();
            if (_keys.TryGetValue(keyName, out var key))
            {
                key.ReopenScheduled = false;
                Refresh(key, now);
            }
        }
    }

    private KeyState GetKey(string name)
    {
        if (!_keys.TryGetValue(name, out var key))
        {
            key = new KeyState(name);
            _keys.Add(name, key);
        }

        return key;
    }

    /// <summary>Puts the key in or out of the ready set and recounts what it could start now.</summary>
    private void Refresh(KeyState key, DateTimeOffset now)
    {
        if (key.Ready is { } ready)
        {
            _ready.Remove(ready);
            key.Ready = null;
        }

        _readyDemand -= key.Demand;
        key.Demand = 0;
        var limit = _limits.PerKey;
        if (key.Backlog.Count > 0 && key.Running < limit && !_limits.Paused)
        {
            var allowed = key.RateAllowance(now, _limits.Rate, out var reopensAt);
            if (allowed > 0)
            {
                var head = key.Backlog.Min!;
                key.Ready = head;
                _ready.Add(head);
                key.Demand = Math.Min(Math.Min(key.Backlog.Count, limit - key.Running), allowed);
                _readyDemand += key.Demand;
            }
            else if (!key.ReopenScheduled)
            {
                key.ReopenScheduled = true;
                _rateReopens.Enqueue(key.Name, reopensAt);
            }
        }

        if (key.Running == 0 && key.Backlog.Count == 0 && !key.HasRecentStarts(now, _limits.Rate))
        {
            _keys.Remove(key.Name);
        }
    }

    /// <summary>A run waiting in a key's backlog; ordered by queue order, then arrival.</summary>
    private sealed record Entry(long Order, long Sequence, string RunId, string Key, DateTimeOffset? ExpiresAt) : IComparable<Entry>
    {
        public int CompareTo(Entry? other)
        {
            if (other is null)
            {
                return 1;
            }

            var byOrder = Order.CompareTo(other.Order);
            return byOrder != 0 ? byOrder : Sequence.CompareTo(other.Sequence);
        }
    }

    private readonly record struct Slot(string Key, DateTimeOffset GrantedAt);

    /// <summary>One concurrency key's copy of the queue.</summary>
    private sealed class KeyState(string name)
    {
        private Queue<DateTimeOffset>? _starts;

        public string Name { get; } = name;

        public SortedSet<Entry> Backlog { get; } = [];

        public int Running { get; set; }

        public Entry? Ready { get; set; }

        public int Demand { get; set; }

        public bool ReopenScheduled { get; set; }

        public void RecordStart(DateTimeOffset now, QueueRateLimit? rate)
        {
            if (rate is not null)
            {
                (_starts ??= new()).Enqueue(now);
            }
        }

        /// <summary>How many more runs may start now under the rate limit, and when one more may if none can.</summary>
        public int RateAllowance(DateTimeOffset now, QueueRateLimit? rate, out DateTimeOffset reopensAt)
        {
            reopensAt = now;
            if (rate is null)
            {
                return int.MaxValue;
            }

            Trim(now, rate);
            var count = _starts?.Count ?? 0;
            if (count < rate.Limit)
            {
                return rate.Limit - count;
            }

            reopensAt = _starts!.Peek() + rate.Period;
            return 0;
        }

        public bool HasRecentStarts(DateTimeOffset now, QueueRateLimit? rate)
        {
            if (rate is null || _starts is null)
            {
                return false;
            }

            Trim(now, rate);
            return _starts.Count > 0;
        }

        private void Trim(DateTimeOffset now, QueueRateLimit rate)
        {
            while (_starts is { Count: > 0 } starts && starts.Peek() + rate.Period <= now)
            {
                starts.Dequeue();
            }
        }
    }
}
