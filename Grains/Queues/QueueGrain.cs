using Microsoft.Extensions.Logging;
using OrleansTasks.Registry;
using OrleansTasks.Runs;
using OrleansTasks.Storage;

namespace OrleansTasks.Queues;

/// <summary>
/// A queue and every copy of it a concurrency key makes. Being one grain per queue is what makes its limits hold
/// across the cluster. The rules live in two plain types this grain wires to messages, timers and the table:
/// <see cref="KeyedBacklog"/> (which run may start: order, per-key limit, cap, rate limit, pause, time to live) and
/// <see cref="PermitLease"/> (the permits leased from the environment, one per slot, which keep the environment-wide
/// limit; see <see cref="IEnvironmentGrain"/>). It never waits on a run: grants and expiries go out as acknowledged
/// notices.
/// </summary>
/// <remarks>
/// Nothing here is persisted but the queue's settings (pause, limit override); the <c>runs</c> table is the record.
/// On activation the queue rebuilds itself from the runs that are queued or hold a slot, and while it has runs it
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

    private KeyedBacklog? _backlogState;
    private PermitLease? _leaseState;
    private IGrainTimer? _reconcileTimer;
    private IGrainTimer? _clockTimer;
    private DateTimeOffset? _clockAt;

    // Both read on every grant and release: computed once per activation.
    private string? _name;
    private QueueOptions? _definition;

    private string Name => _name ??= this.GetPrimaryKeyString();

    private QueueOptions Definition => _definition ??= registry.GetQueue(Name) ?? new QueueOptions { Name = Name };

    private KeyedBacklog Backlog => _backlogState ??= new KeyedBacklog(CurrentLimits());

    private PermitLease Lease => _leaseState ??= new PermitLease(Name);

    private IEnvironmentGrain Environment => GrainFactory.Reference<IEnvironmentGrain>(0);

    private QueueLimits CurrentLimits() => new(
        PerKey: settings.State.LimitOverride ?? Definition.ConcurrencyLimit ?? int.MaxValue,
        Total: Definition.TotalConcurrencyLimit ?? int.MaxValue,
        Rate: Definition.RateLimit,
        Paused: settings.State.Paused);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var entry in await store.LoadQueueAsync(Name, now, cancellationToken))
        {
            AddStored(entry, now);
        }

        // The runs holding slots hold permits; the first report tells the environment so.
        Lease.Rebuilt(Backlog.Running);
        LogRebuilt(Name, Backlog.Running, Backlog.Queued);
        Dispatch(forceReport: true);
    }

    public Task EnqueueAsync(QueueTicket ticket)
    {
        if (Backlog.HoldsSlot(ticket.RunId, out var grantedAt))
        {
            // It holds a slot but asks again: it never got (or lost) its grant. Send it once more.
            Grant(ticket.RunId, grantedAt);
        }
        else if (!Backlog.IsQueued(ticket.RunId))
        {
            Backlog.Enqueue(ticket, time.GetUtcNow());
            Dispatch();
        }

        return Task.CompletedTask;
    }

    public Task ReleaseAsync(string runId)
    {
        switch (Backlog.Release(runId, time.GetUtcNow()))
        {
            case BacklogRelease.SlotFreed:
                Lease.SlotFreed();
                Dispatch();
                break;
            case BacklogRelease.LeftBacklog:
                Dispatch();
                break;
        }

        return Task.CompletedTask;
    }

    public Task PermitsAsync(PermitGrant grant)
    {
        if (Lease.Accept(grant, time.GetUtcNow(), out var mustReport))
        {
            Dispatch(mustReport);
        }

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
        if (registry.GetQueue(Name) is null && Backlog.Running == 0 && Backlog.Queued == 0)
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
            LimitsChanged();
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
            LimitsChanged();
        }

        return Info();
    }

    public async Task<QueueInfo> OverrideConcurrencyLimitAsync(int limit)
    {
        EnsureDefined();
        if (limit is < 0 or > QueueOptions.MaxConcurrencyLimit)
        {
            throw new InvalidRequestException($"A concurrency limit must be between 0 and {QueueOptions.MaxConcurrencyLimit:N0}.", nameof(limit));
        }

        settings.State.LimitOverride = limit;
        settings.State.OverriddenAt = time.GetUtcNow();
        await settings.WriteStateAsync();
        LogLimitOverridden(Name, limit);
        LimitsChanged();
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
            LimitsChanged();
        }

        return Info();
    }

    private void LimitsChanged()
    {
        Backlog.SetLimits(CurrentLimits(), time.GetUtcNow());
        Dispatch();
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
            Running = Backlog.Running,
            Queued = Backlog.Queued,
            Paused = settings.State.Paused,
            ActiveKeys = Backlog.ActiveKeys,
            PeakRunningPerKey = Backlog.PeakRunningPerKey,
            PeakRunning = Backlog.PeakRunning,
        };
    }

    /// <summary>A run the table says is in this queue: waiting in its key's backlog, or holding a slot.</summary>
    private void AddStored(QueueEntry entry, DateTimeOffset now)
    {
        if (entry.WaitsForSlot)
        {
            var order = entry.ResumeRequested ? entry.Order - QueueOrders.ResumeCredit : entry.Order;
            Backlog.Enqueue(new QueueTicket(entry.RunId, entry.ConcurrencyKey, order, entry.ExpiresAt), now);
        }
        else
        {
            Backlog.AddRunning(entry.RunId, entry.ConcurrencyKey, now);
        }
    }

    /// <summary>Grants slots while a run may start and a permit is free; then settles permits with the environment.</summary>
    private void Dispatch(bool forceReport = false)
    {
        var now = time.GetUtcNow();
        foreach (var runId in Backlog.ExpireDue(now))
        {
            Expire(runId);
        }

        while (Lease.Held > Backlog.Running && Backlog.TakeNext(now) is { } next)
        {
            if (next.Expired)
            {
                Expire(next.RunId);
            }
            else
            {
                Grant(next.RunId, now);
            }
        }

        if (Lease.Report(now, Backlog.Running, Backlog.Demand, Backlog.HeadOrder, forceReport) is { } report)
        {
            Environment.UpdateAsync(report).Ignore();
        }

        if (Backlog.NextDueAt is { } due)
        {
            ArmClock(due);
        }

        if (Lease.HandBackAt(Backlog.Running) is { } handBack)
        {
            ArmClock(handBack);
        }

        UpdateReconcileTimer();
    }

    /// <summary>The one timer for what time alone changes: a rate window reopening, a queued run expiring, spare permits going back.</summary>
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
        Backlog.OnClock(time.GetUtcNow());
        Dispatch();
        return Task.CompletedTask;
    }

    /// <summary>Sends the grant, stamped with the moment the queue counted it (the rate limit's clock).</summary>
    private void Grant(string runId, DateTimeOffset grantedAt)
    {
        var run = GrainFactory.Reference<IRunGrain>(runId);
        notices.Send(() => run.GrantSlotAsync(grantedAt), new("grant to", runId));
    }

    private void Expire(string runId)
    {
        LogExpired(Name, runId);
        var run = GrainFactory.Reference<IRunGrain>(runId);
        notices.Send(run.ExpireAsync, new("expiry of", runId));
    }

    private void UpdateReconcileTimer()
    {
        if (Backlog.Queued > 0 || Backlog.Running > 0)
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
        foreach (var (runId, grantedAt) in Backlog.Slots.ToList())
        {
            if (now - grantedAt < s_reconcileInterval)
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
                Grant(runId, grantedAt);
            }
        }

        foreach (var entry in stored.Values.Where(e => !Backlog.HoldsSlot(e.RunId, out _) && !Backlog.IsQueued(e.RunId)))
        {
            AddStored(entry, now);
            if (!entry.WaitsForSlot)
            {
                // Executing under a grant this activation never saw: it holds a permit all the same.
                Lease.Adopted();
            }
        }

        Dispatch(forceReport: true);
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
