using Microsoft.Extensions.Logging;
using OrleansTasks.Registry;
using OrleansTasks.Runs;
using OrleansTasks.Storage;

namespace OrleansTasks.Queues;

/// <summary>
/// A queue and every copy of it a concurrency key makes: each key's backlog in order (queue time less priority
/// credit), the runs holding its slots, the per-key limit, the cap across keys, the per-key rate limit and the pause
/// switch. Being one grain per queue is what makes those limits hold across the cluster. It never waits on a run:
/// grants are one-way messages. Every slot also holds a permit leased from the environment (see
/// <see cref="IEnvironmentGrain"/>), which keeps the environment-wide limit.
/// </summary>
/// <remarks>
/// Nothing here is persisted but the queue's settings (pause, limit override); the <c>runs</c> table is the record.
/// On activation the queue rebuilds itself from the runs that are queued or hold a slot, and while it has a backlog it
/// reconciles with the table every so often, so a grant, enqueue or release lost with a dead silo heals instead of
/// leaking a slot.
/// </remarks>
internal sealed partial class QueueGrain(
    [PersistentState("queue")] IPersistentState<QueueSettings> settings,
    IRunStore store,
    TaskRegistry registry,
    Notices.NoticeSender notices,
    TimeProvider time,
    ILogger<QueueGrain> logger) : Grain, IQueueGrain
{
    private static readonly TimeSpan s_reconcileInterval = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan s_demandRefresh = TimeSpan.FromSeconds(5);

    private readonly Dictionary<string, KeyState> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Slot> _running = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Entry> _queued = new(StringComparer.Ordinal);

    /// <summary>The keys that could start a run now but for permits and the cap, best head first.</summary>
    private readonly SortedSet<Entry> _ready = [];

    /// <summary>How many runs the ready keys could start now: what the queue asks the environment for.</summary>
    private int _readyDemand;

    private readonly PriorityQueue<string, DateTimeOffset> _rateReopens = new();
    private readonly PriorityQueue<string, DateTimeOffset> _expiries = new();
    private long _sequence;
    private IGrainTimer? _reconcileTimer;
    private IGrainTimer? _clockTimer;
    private DateTimeOffset? _clockAt;
    private int _peakPerKey;
    private int _peak;

    // The environment's permits: one per slot. See IEnvironmentGrain for the protocol.
    private readonly Guid _epoch = Guid.NewGuid();
    private long _generation;
    private long _received;
    private long _reportSequence;
    private int _permits;
    private bool _contended;
    private int _reportedWanted = -1;
    private long _reportedHead;
    private int _reportedHeld = -1;
    private DateTimeOffset _lastGrantAt;
    private DateTimeOffset _lastReportAt;

    /// <summary>Free permits the environment last reported; until it says otherwise, assume some are.</summary>
    private int _environmentFree = int.MaxValue;

    // Both read on every grant and release: computed once per activation.
    private string? _name;
    private QueueOptions? _definition;

    private string Name => _name ??= this.GetPrimaryKeyString();

    private QueueOptions Definition => _definition ??= registry.GetQueue(Name) ?? new QueueOptions { Name = Name };

    private int KeyLimit => settings.State.LimitOverride ?? Definition.ConcurrencyLimit ?? int.MaxValue;

    private int Cap => Definition.TotalConcurrencyLimit ?? int.MaxValue;

    private bool Paused => settings.State.Paused;

    private IEnvironmentGrain Environment => GrainFactory.GetGrain<IEnvironmentGrain>(0);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var entry in await store.LoadQueueAsync(Name, now, cancellationToken))
        {
            AddStored(entry, now);
        }

        // The runs holding slots hold permits; the first report tells the environment so.
        _permits = _running.Count;
        LogRebuilt(Name, _running.Count, _queued.Count);
        Dispatch(forceReport: true);
    }

    public Task EnqueueAsync(QueueTicket ticket)
    {
        if (_running.ContainsKey(ticket.RunId))
        {
            // It holds a slot but asks again: it never got (or lost) its grant. Send it once more.
            Grant(ticket.RunId, _running[ticket.RunId].GrantedAt);
        }
        else if (!_queued.ContainsKey(ticket.RunId))
        {
            AddToBacklog(ticket, time.GetUtcNow());
            Dispatch();
        }

        return Task.CompletedTask;
    }

    public Task ReleaseAsync(string runId)
    {
        if (_running.Remove(runId, out var slot))
        {
            var key = _keys[slot.Key];
            key.Running--;
            if (_contended)
            {
                // Others wait for permits: this one goes back to the environment rather than to this queue's next run.
                _permits--;
            }

            Refresh(key, time.GetUtcNow());
        }
        else if (_queued.Remove(runId, out var entry))
        {
            var key = _keys[entry.Key];
            key.Backlog.Remove(entry);
            Refresh(key, time.GetUtcNow());
        }
        else
        {
            return Task.CompletedTask;
        }

        Dispatch();
        return Task.CompletedTask;
    }

    public Task PermitsAsync(PermitGrant grant)
    {
        var force = false;
        if (grant.Generation < _generation)
        {
            return Task.CompletedTask; // From an environment activation that has since been replaced.
        }

        if (grant.Generation > _generation)
        {
            _generation = grant.Generation;
            _received = 0;
            force = true;
        }

        if (grant.Epoch == _epoch && grant.Count > 0)
        {
            _permits += grant.Count;
            _received += grant.Count;
            _lastGrantAt = time.GetUtcNow();
        }

        _contended = grant.Contended;
        _environmentFree = grant.Free;

        // After a grant the environment's idea of what this queue wants is spent: tell it again.
        Dispatch(force || grant.Count > 0);
        return Task.CompletedTask;
    }

    public Task<QueueInfo> GetInfoAsync()
    {
        EnsureDefined();
        return Task.FromResult(Info());
    }

    /// <summary>The Queues API works on defined queues only; a name that is not one is a clear error.</summary>
    private void EnsureDefined()
    {
        if (registry.GetQueue(Name) is null && _running.Count == 0 && _queued.Count == 0)
        {
            DeactivateOnIdle();
            throw new QueueNotFoundException(Name);
        }
    }

    public async Task<QueueInfo> PauseAsync()
    {
        EnsureDefined();
        if (!settings.State.Paused)
        {
            settings.State.Paused = true;
            await settings.WriteStateAsync();
            LogPaused(Name);
            RefreshAll();
            Dispatch();
        }

        return Info();
    }

    public async Task<QueueInfo> ResumeAsync()
    {
        EnsureDefined();
        if (settings.State.Paused)
        {
            settings.State.Paused = false;
            await settings.WriteStateAsync();
            LogResumed(Name);
            RefreshAll();
            Dispatch();
        }

        return Info();
    }

    public async Task<QueueInfo> OverrideConcurrencyLimitAsync(int limit)
    {
        EnsureDefined();
        if (limit is < 0 or > QueueOptions.MaxConcurrencyLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(limit), limit, $"A concurrency limit must be between 0 and {QueueOptions.MaxConcurrencyLimit:N0}.");
        }

        settings.State.LimitOverride = limit;
        settings.State.OverriddenAt = time.GetUtcNow();
        await settings.WriteStateAsync();
        LogLimitOverridden(Name, limit);
        RefreshAll();
        Dispatch();
        return Info();
    }

    public async Task<QueueInfo> ResetConcurrencyLimitAsync()
    {
        EnsureDefined();
        if (settings.State.LimitOverride is not null)
        {
            settings.State.LimitOverride = null;
            settings.State.OverriddenAt = null;
            await settings.WriteStateAsync();
            RefreshAll();
            Dispatch();
        }

        return Info();
    }

    private QueueInfo Info()
    {
        var definition = Definition;
        return new QueueInfo
        {
            Name = Name,
            ConcurrencyLimit = settings.State.LimitOverride ?? definition.ConcurrencyLimit,
            BaseConcurrencyLimit = definition.ConcurrencyLimit,
            OverriddenConcurrencyLimit = settings.State.LimitOverride,
            OverriddenAt = settings.State.OverriddenAt,
            TotalConcurrencyLimit = definition.TotalConcurrencyLimit,
            RateLimit = definition.RateLimit,
            Running = _running.Count,
            Queued = _queued.Count,
            Paused = Paused,
            ActiveKeys = _keys.Values.Count(k => k.Running > 0 || k.Backlog.Count > 0),
            PeakRunningPerKey = _peakPerKey,
            PeakRunning = _peak,
        };
    }

    private void AddToBacklog(QueueTicket ticket, DateTimeOffset now)
    {
        var key = GetKey(ticket.ConcurrencyKey ?? "");
        var entry = new Entry(ticket.Order, _sequence++, ticket.RunId, key.Name, ticket.ExpiresAt);
        _queued[ticket.RunId] = entry;
        key.Backlog.Add(entry);
        if (ticket.ExpiresAt is { } expiresAt)
        {
            _expiries.Enqueue(ticket.RunId, expiresAt);
            ArmClock(expiresAt);
        }

        Refresh(key, now);
    }

    /// <summary>A run the table says is in this queue: waiting in its key's backlog, or holding a slot.</summary>
    private void AddStored(QueueEntry entry, DateTimeOffset now)
    {
        if (entry.WaitsForSlot)
        {
            var order = entry.ResumeRequested ? entry.Order - QueueOrders.ResumeCredit : entry.Order;
            AddToBacklog(new QueueTicket(entry.RunId, entry.ConcurrencyKey, order, entry.ExpiresAt), now);
        }
        else
        {
            AddRunning(entry.RunId, entry.ConcurrencyKey ?? "", now);
        }
    }

    private void AddRunning(string runId, string keyName, DateTimeOffset now)
    {
        var key = GetKey(keyName);
        _running[runId] = new Slot(key.Name, now);
        key.Running++;
        _peakPerKey = Math.Max(_peakPerKey, key.Running);
        _peak = Math.Max(_peak, _running.Count);
        Refresh(key, now);
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

    /// <summary>Grants slots while a key is ready, a permit is free and the cap allows; then settles permits with the environment.</summary>
    private void Dispatch(bool forceReport = false)
    {
        var now = time.GetUtcNow();
        ExpireDue(now);
        var cap = Cap;
        while (_permits > _running.Count && _running.Count < cap && _ready.Min is { } head)
        {
            var key = _keys[head.Key];
            var entry = key.Backlog.Min!;
            key.Backlog.Remove(entry);
            _queued.Remove(entry.RunId);
            if (entry.ExpiresAt is { } expiresAt && expiresAt <= now)
            {
                Expire(entry.RunId);
                Refresh(key, now);
                continue;
            }

            key.RecordStart(now, Definition.RateLimit);
            AddRunning(entry.RunId, key.Name, now);
            Grant(entry.RunId, now);
        }

        ReportToEnvironment(now, forceReport);
        UpdateReconcileTimer();
    }

    /// <summary>
    /// Hands back permits the queue cannot use and says how many more it wants. Reports are sent only when they would
    /// change what the environment does: a queue that wants more while the environment has none free stays quiet (the
    /// environment remembers that it wants some, and refreshes that with each grant), so a busy queue reusing its
    /// permits sends nothing.
    /// </summary>
    private void ReportToEnvironment(DateTimeOffset now, bool force)
    {
        var demand = _running.Count >= Cap ? 0 : Math.Min(_readyDemand, Cap - _running.Count);
        var free = _permits - _running.Count;
        if (free > 0 && demand == 0)
        {
            _permits -= free;
        }

        var wanted = Math.Max(0, demand - Math.Max(0, _permits - _running.Count));
        var head = _ready.Min is { } best ? best.Order : long.MaxValue;
        var changed = force
            || _permits != _reportedHeld && (_permits < _reportedHeld || _contended)
            || (wanted > 0) != (_reportedWanted > 0)
            || wanted > _reportedWanted && _environmentFree > 0
            || wanted > 0 && _contended && head < _reportedHead
            || wanted > 0 && now - _lastGrantAt > s_demandRefresh && now - _lastReportAt > s_demandRefresh;
        if (!changed)
        {
            return;
        }

        _reportedHeld = _permits;
        _reportedWanted = wanted;
        _reportedHead = head;
        _lastReportAt = now;
        Environment.UpdateAsync(new PermitDemand(Name, _epoch, ++_reportSequence, _generation, _permits, _received, wanted, head)).Ignore();
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
        var limit = KeyLimit;
        if (key.Backlog.Count > 0 && key.Running < limit && !Paused)
        {
            var allowed = key.RateAllowance(now, Definition.RateLimit, out var reopensAt);
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
                ArmClock(reopensAt);
            }
        }

        if (key.Running == 0 && key.Backlog.Count == 0 && !key.HasRecentStarts(now, Definition.RateLimit))
        {
            _keys.Remove(key.Name);
        }
    }

    private void RefreshAll()
    {
        var now = time.GetUtcNow();
        foreach (var key in _keys.Values.ToList())
        {
            Refresh(key, now);
        }
    }

    private void ExpireDue(DateTimeOffset now)
    {
        while (_expiries.TryPeek(out var runId, out var expiresAt) && expiresAt <= now)
        {
            _expiries.Dequeue();
            if (_queued.Remove(runId, out var entry))
            {
                var key = _keys[entry.Key];
                key.Backlog.Remove(entry);
                Expire(runId);
                Refresh(key, now);
            }
        }
    }

    /// <summary>The one timer for what time alone changes: a rate window reopening, a queued run expiring.</summary>
    private void ArmClock(DateTimeOffset at)
    {
        if (_clockAt is { } armed && armed <= at)
        {
            return;
        }

        _clockTimer?.Dispose();
        _clockAt = at;
        var due = at - time.GetUtcNow();
        _clockTimer = this.RegisterGrainTimer(
            static grain => grain.OnClock(),
            this,
            new GrainTimerCreationOptions(due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan) { KeepAlive = true });
    }

    private Task OnClock()
    {
        _clockTimer?.Dispose();
        _clockTimer = null;
        _clockAt = null;
        var now = time.GetUtcNow();
        while (_rateReopens.TryPeek(out var keyName, out var at) && at <= now)
        {
            _rateReopens.Dequeue();
            if (_keys.TryGetValue(keyName, out var key))
            {
                key.ReopenScheduled = false;
                Refresh(key, now);
            }
        }

        Dispatch();
        if (_rateReopens.TryPeek(out _, out var nextReopen))
        {
            ArmClock(nextReopen);
        }

        if (_expiries.TryPeek(out _, out var nextExpiry))
        {
            ArmClock(nextExpiry);
        }

        return Task.CompletedTask;
    }

    /// <summary>Sends the grant, stamped with the moment the queue counted it (the rate limit's clock).</summary>
    private void Grant(string runId, DateTimeOffset grantedAt)
    {
        var run = GrainFactory.GetGrain<IRunGrain>(runId);
        notices.Send(() => run.GrantSlotAsync(grantedAt), $"grant to {runId}");
    }

    private void Expire(string runId)
    {
        LogExpired(Name, runId);
        var run = GrainFactory.GetGrain<IRunGrain>(runId);
        notices.Send(run.ExpireAsync, $"expiry of {runId}");
    }

    private void UpdateReconcileTimer()
    {
        if (_queued.Count > 0 || _running.Count > 0)
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

    /// <summary>Brings the in-memory queue in line with the table; what a message lost with a silo leaves behind.</summary>
    private async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var stored = (await store.LoadQueueAsync(Name, now, cancellationToken)).ToDictionary(e => e.RunId, StringComparer.Ordinal);
        foreach (var (runId, slot) in _running.ToList())
        {
            if (now - slot.GrantedAt < s_reconcileInterval)
            {
                continue; // Too recent to judge: its status write may still be in flight.
            }

            if (!stored.TryGetValue(runId, out var entry))
            {
                LogReclaimedSlot(Name, runId);
                await ReleaseAsync(runId);
            }
            else if (entry.WaitsForSlot)
            {
                Grant(runId, slot.GrantedAt);
            }
        }

        foreach (var entry in stored.Values.Where(e => !_running.ContainsKey(e.RunId) && !_queued.ContainsKey(e.RunId)))
        {
            AddStored(entry, now);
            if (!entry.WaitsForSlot)
            {
                // Executing under a grant this activation never saw: it holds a permit all the same.
                _permits++;
            }
        }

        Dispatch(forceReport: true);
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

/// <summary>What a queue keeps across activations: the switches set through the Queues API.</summary>
[GenerateSerializer, Alias("ot.QueueSettings")]
internal sealed class QueueSettings
{
    [Id(0)]
    public bool Paused { get; set; }

    [Id(1)]
    public int? LimitOverride { get; set; }

    [Id(2)]
    public DateTimeOffset? OverriddenAt { get; set; }
}
