using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime.Placement;
using OrleansTasks.Execution;
using OrleansTasks.Hosting;
using OrleansTasks.Machines;
using OrleansTasks.Maintenance;
using OrleansTasks.Queues;
using OrleansTasks.Realtime;
using OrleansTasks.Registry;
using OrleansTasks.Runs.StateMachine;
using OrleansTasks.Storage;
using OrleansTasks.Updates;
using OrleansTasks.Waitpoints;

namespace OrleansTasks.Runs;

/// <summary>
/// One run's activation: it loads the run, feeds each call, report and timer to the run's <see cref="RunMachine"/>,
/// and carries out the effects the machine lists (writes, queue calls, timers, executions, notices). The rules are in
/// the machine; what is here is what needs Orleans: grain calls, timers, activation and migration.
/// </summary>
/// <remarks>
/// State is loaded lazily: a trigger inserts the new row without reading first, so creating a run costs no read.
/// Placement is random: a run executes where its grain lives, and placement by sampled load sends a whole burst of
/// triggers to whichever silo looked least loaded at the last sample. On the hot path a run costs two awaited writes
/// (accepted, finished); the write that records an attempt starting goes out without holding the attempt up.
/// </remarks>
[Orleans.Placement.RandomPlacement]
internal sealed partial class RunGrain(
    IRunStore store,
    TaskRegistry registry,
    AttemptExecutor executor,
    Notices.NoticeSender notices,
    MachineCatalog machines,
    RunUpdates updates,
    TimeProvider time,
    IOptions<OrleansTasksOptions> options,
    ILocalSiloDetails silo,
    ILogger<RunGrain> logger) : Grain, IRunGrain, IGrainMigrationParticipant, IRunHost
{
    private const string DispatchOnArrivalKey = "ot.dispatch-on-arrival";

    /// <summary>How long a final run's activation lingers to answer callers polling for its end from memory.</summary>
    private static readonly TimeSpan s_finalLinger = TimeSpan.FromSeconds(5);

    /// <summary>How long a going-away activation waits for a step in flight before it hands the run over regardless.</summary>
    private static readonly TimeSpan s_drainLimit = TimeSpan.FromSeconds(20);

    private readonly RunMachineSettings _settings = new(options.Value.SuspendThreshold, RunSupervisorGrain.WakeEarly, store.IsDurable);
    private readonly IGrainTimer?[] _timers = new IGrainTimer?[Enum.GetValues<RunTimer>().Length];
    private RunMachine? _machine;
    private bool _loaded;
    private Task? _loading;
    private List<TaskCompletionSource<TaskRun>>? _finalWaiters;
    private bool _dispatchOnArrival;
    private bool _routing;

    /// <summary>The sequence number of the last update handed on: a write that commits late never hands on an older state.</summary>
    private long _published;

    private string RunId => this.GetPrimaryKeyString();

    public string Silo { get; } = silo.SiloAddress.ToParsableString();

    public bool Serves(MachinePreset machine) => machines.Serves(machine);

    public bool IsRunning(string runId, int attempt, int execution) => executor.IsRunning(runId, attempt, execution);

    public DateTimeOffset? TakeClockStart(string runId, int attempt) => executor.TakeClockStart(runId, attempt);

    public DateTimeOffset? WithdrawClockStart(string runId, int attempt) => executor.WithdrawClockStart(runId, attempt);

    // ---- Calls ----

    public async Task<RunHandle> TriggerAsync(TriggerRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_machine is null && _loading is { } inFlight)
        {
            // A read of this id is in flight (someone asked for the run before creating it); let it settle first.
            try
            {
                await inFlight;
            }
            catch (Exception exception)
            {
                LogLoadFailed(exception, RunId);
            }
        }

        if (_machine is null && _loading is null)
        {
            // Everything a trigger can get wrong is checked before anything is written.
            var descriptor = registry.Resolve(request.TaskId, request.TaskType);
            var trigger = request.Options ?? new TriggerOptions();
            TriggerValidation.Validate(descriptor.Id, request.PayloadJson, trigger, time.GetUtcNow());
            if (trigger.Queue is { } queueName && registry.GetQueue(queueName) is null)
            {
                throw new InvalidTriggerException(descriptor.Id,
                    $"the queue '{queueName}' is not defined. Define it with AddQueue on the silo builder or in a task's Queue, or leave Queue null for the task's own queue '{descriptor.QueueName}'.");
            }

            var state = RunMachine.NewRun(RunId, request, descriptor, TriggerSpan(request, descriptor.Id), Silo, time.GetUtcNow(), _settings.SuspendThreshold);
            _loaded = false;
            _loading = CreateAsync(state);
        }

        // A second trigger of this id (a client retrying a call that did succeed) gets the existing run.
        var existing = (await LoadExistingAsync()).State;
        return new RunHandle(existing.Id, existing.TaskId);
    }

    public async Task<TaskRun> GetAsync() => (await LoadExistingAsync()).State.ToTaskRun();

    public async Task<TaskRun?> WaitForFinalAsync(TimeSpan maxWait)
    {
        var state = (await LoadExistingAsync()).State;
        if (state.Status.IsFinal())
        {
            return state.ToTaskRun();
        }

        var waiter = new TaskCompletionSource<TaskRun>(TaskCreationOptions.RunContinuationsAsynchronously);
        (_finalWaiters ??= []).Add(waiter);
        try
        {
            // WaitAsync drops its timer as soon as the run ends; a Task.Delay would stay armed for the whole slice, one
            // per poll, and a busy silo would carry tens of thousands of them.
            return await waiter.Task.WaitAsync(maxWait, time);
        }
        catch (TimeoutException)
        {
            _finalWaiters?.Remove(waiter);
            return null;
        }
    }

    public async Task<TaskRun> CancelAsync()
    {
        var machine = await LoadExistingAsync();
        if (!machine.State.Status.IsFinal())
        {
            // An armed start is taken back first; if the clock started it already, the cancel meets an executing run.
            machine.WithdrawArmedStart();

            // Decided now, not after the write: by then the execution may have stopped and run its hooks.
            var codeStopsHere = machine.ExecutingAttempt is { } attempt && executor.Cancel(RunId, attempt);
            machine.Cancel(codeStopsHere);
            await ApplyAsync();
        }

        return machine.State.ToTaskRun();
    }

    public async Task<string?> UpdateMetadataAsync(Metadata.MetadataUpdate update)
    {
        ArgumentNullException.ThrowIfNull(update);
        var machine = await LoadForChangeAsync();
        machine.MetadataUpdated(update);
        await ApplyAsync();
        return machine.State.MetadataJson;
    }

    public async Task<int> AddTagsAsync(IReadOnlyList<string> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        var machine = await LoadForChangeAsync();
        var added = machine.TagsAdded(tags);
        await ApplyAsync();
        return added;
    }

    public async Task OpenStreamAsync(string key)
    {
        var machine = await LoadForChangeAsync();
        machine.StreamOpened(key);
        await ApplyAsync();
    }

    public async Task<TaskRun> RescheduleAsync(DateTimeOffset delayUntil)
    {
        var machine = await LoadForChangeAsync();
        machine.Reschedule(delayUntil);
        await ApplyAsync();
        return machine.State.ToTaskRun();
    }

    public async Task<RunHandle?> DebounceAsync(TriggerRequest request, DateTimeOffset delayUntil)
    {
        ArgumentNullException.ThrowIfNull(request);
        await EnsureLoadedAsync();

        // A new moment: an armed start is taken back first (if the clock started it already, the run has started).
        _machine?.WithdrawArmedStart();
        if (_machine is not { State.Status: RunStatus.Delayed } machine)
        {
            if (_machine is not null)
            {
                await ApplyAsync();
            }

            return null; // Started (or gone) already: the trigger makes a new run.
        }

        var state = machine.State;
        var options = request.Options ?? new TriggerOptions();
        DebouncedTrigger? trailing = null;
        if (options.Debounce is { Mode: DebounceMode.Trailing })
        {
            // The latest trigger's payload and options win.
            var descriptor = registry.Resolve(state.TaskId, null);
            TriggerValidation.Validate(state.TaskId, request.PayloadJson, options, time.GetUtcNow());
            trailing = new DebouncedTrigger(request.PayloadJson, options.Tags ?? [], options.MaxAttempts ?? descriptor.Retry.MaxAttempts,
                options.MaxDuration ?? descriptor.MaxDuration, options.Machine ?? descriptor.Machine);
        }

        machine.Debounce(delayUntil, trailing);
        await ApplyAsync();
        return new RunHandle(state.Id, state.TaskId, IsCached: true);
    }

    public async Task<TaskRun> AddWaiterAsync(string parentRunId, string waitKey, int index)
    {
        var machine = await LoadForChangeAsync();
        machine.AddWaiter(parentRunId, waitKey, index);
        await ApplyAsync();
        return machine.State.ToTaskRun();
    }

    public Task ExpireAsync() => OnEventAsync(static m => m.Expire());

    public Task GrantSlotAsync(DateTimeOffset grantedAt) => OnEventAsync(m => m.SlotGranted(grantedAt));

    // The start is recorded by the settling every event gets first.
    public Task ClockStartedAsync(int attempt) => OnEventAsync(static _ => { });

    public Task ReportAttemptAsync(AttemptOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return OnEventAsync(m => m.AttemptReported(outcome));
    }

    public async Task ResumeAsync()
    {
        await EnsureLoadedAsync();
        if (_machine is null)
        {
            DeactivateOnIdle();
            return;
        }

        await SettleArmedStartAsync();

        _machine.Resume();
        await ApplyAsync();
    }

    public Task OnChildFinishedAsync(ChildNotification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        return OnEventAsync(m => m.ChildEnded(notification));
    }

    public Task OnTokenCompletedAsync(string key, WaitpointToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return OnEventAsync(m => m.TokenSettled(key, token));
    }

    public async Task<JournalOpResult> JournalAsync(JournalOp op)
    {
        ArgumentNullException.ThrowIfNull(op);
        await EnsureLoadedAsync();
        await SettleArmedStartAsync();
        if (_machine is not { } machine)
        {
            return JournalOpResult.StaleExecution;
        }

        if (op.Abandon)
        {
            var abandoned = machine.WaitAbandoned(op);
            await ApplyAsync();
            return abandoned;
        }

        if (machine.Recorded(op) is { } known)
        {
            return known;
        }

        var result = op.Kind switch
        {
            JournalOpKind.Step => machine.StepDone(op),
            JournalOpKind.Wait => machine.TimedWaitStarted(op),
            JournalOpKind.CreateToken => machine.TokenCreated(op, await CreateTokenAsync(op)),
            JournalOpKind.WaitToken => machine.TokenWaitStarted(op, await GrainFactory.Reference<IWaitpointTokenGrain>(op.TokenId!).AddWaiterAsync(RunId, op.Key)),
            JournalOpKind.Trigger or JournalOpKind.TriggerAndWait => await TriggerChildrenAsync(machine, op),
            _ => throw new InvalidOperationException($"Run {RunId} was asked to record a journal operation of unknown kind {op.Kind}."),
        };
        await ApplyAsync();
        return result;
    }

    // ---- Activation ----

    public void OnDehydrate(IDehydrationContext dehydrationContext)
    {
        ArgumentNullException.ThrowIfNull(dehydrationContext);
        if (_dispatchOnArrival)
        {
            dehydrationContext.TryAddValue(DispatchOnArrivalKey, true);
        }
    }

    public void OnRehydrate(IRehydrationContext rehydrationContext)
    {
        ArgumentNullException.ThrowIfNull(rehydrationContext);
        _dispatchOnArrival = rehydrationContext.TryGetValue(DispatchOnArrivalKey, out bool dispatch) && dispatch;
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (_dispatchOnArrival)
        {
            // Moved here to execute: take the run over and send it on.
            _dispatchOnArrival = false;
            await OnEventAsync(static m => m.Arrived());
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        foreach (var timer in Enum.GetValues<RunTimer>())
        {
            SetTimer(timer, due: null);
        }

        if (_machine is { } machine && !machine.State.Status.IsFinal())
        {
            // An armed start is taken back (the run is picked up again at its moment); one the clock started is live.
            machine.WithdrawArmedStart();
            if (machine.IsLive)
            {
                // The attempt's code is stopped and the run left for the supervisor to pick up at once elsewhere, which
                // replays it. A step in flight is let finish first, and every step whose side effect is done is
                // recorded, so the replay skips it.
                using var drainLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                drainLimit.CancelAfter(s_drainLimit);
                var steps = await executor.AbandonAsync(RunId, machine.State.CurrentAttempt!.Number, drainLimit.Token);
                machine.HandOver(steps, reason.Description);
            }
            else
            {
                machine.Deactivating();
            }

            await ApplyAsync();
        }

        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    // ---- Feeding the machine, and carrying out its effects ----

    private async Task OnEventAsync(Action<RunMachine> @event)
    {
        await EnsureLoadedAsync();
        if (_machine is { } machine)
        {
            machine.SettleArmedStart();
            @event(machine);
            await ApplyAsync();
        }
    }

    /// <summary>
    /// Records the start of an attempt armed on the start clock if the clock has made it, so whatever comes next (the
    /// attempt's own journal operations and reports among it) meets an executing run.
    /// </summary>
    private async Task SettleArmedStartAsync()
    {
        if (_machine is { IsArmed: true } machine)
        {
            machine.SettleArmedStart();
            await ApplyAsync();
        }
    }

    /// <summary>Loads the run for a change, an armed start the clock has made recorded first.</summary>
    private async Task<RunMachine> LoadForChangeAsync()
    {
        var machine = await LoadExistingAsync();
        await SettleArmedStartAsync();
        return machine;
    }

    /// <summary>Carries out the machine's effects in order; an effect that asks for a check feeds its result back at once.</summary>
    private async Task ApplyAsync()
    {
        var machine = _machine!;
        foreach (var effect in machine.TakeEffects())
        {
            switch (effect)
            {
                case Persist { Await: true } persist:
                    await SaveAsync(persist.WakeRuns);
                    break;
                case Persist:
                    SaveInBackground();
                    break;
                case AskForSlot ask:
                    SendEnqueue(Queue, ask);
                    break;
                case ReleaseSlot { Await: true }:
                    await Queue.ReleaseAsync(RunId);
                    break;
                case ReleaseSlot:
                    SendRelease(Queue, RunId);
                    break;
                case SetTimer timer:
                    SetTimer(timer.Timer, timer.Due);
                    break;
                case StartExecution start:
                    executor.Start(start.Request);
                    break;
                case ArmExecution arm:
                    executor.Arm(arm.Request, arm.At);
                    break;
                case SuspendExecution suspend:
                    executor.Suspend(RunId, suspend.Attempt, suspend.Execution);
                    break;
                case DeliverResult deliver:
                    executor.Deliver(RunId, deliver.Attempt, deliver.Execution, deliver.Key, deliver.Result);
                    break;
                case ScheduleWake wake:
                    GrainFactory.Reference<IRunSupervisorGrain>(0).ScheduleAsync(RunId, wake.At).Ignore();
                    break;
                case LetGo:
                    LetActivationGo();
                    break;
                case KeepAlive:
                    DelayDeactivation(TimeSpan.FromDays(365));
                    break;
                case NotifyWaiter notify:
                    SendEnd(GrainFactory.Reference<IRunGrain>(notify.RunId), notify);
                    break;
                case RunFinalHooks hooks:
                    executor.RunFinalHooks(hooks.Request);
                    break;
                case CancelChild cancel:
                    notices.Send(GrainFactory.Reference<IRunGrain>(cancel.RunId).CancelAsync, new("cancel of child", cancel.RunId));
                    break;
                case RemoveTokenWaiter remove:
                    GrainFactory.Reference<IWaitpointTokenGrain>(remove.TokenId).RemoveWaiterAsync(RunId).Ignore();
                    break;
                case MoveToServingSilo:
                    RouteToMachine();
                    break;
                case Finished:
                    OnFinished();
                    break;
                case CheckWaits check:
                    machine.WaitsChecked(check.Why, await CheckWaitsAsync(machine));
                    await ApplyAsync();
                    break;
                default:
                    throw new InvalidOperationException($"Run {RunId}: no handler for the effect {effect}.");
            }
        }
    }

    // The notices' closures are made here, not in ApplyAsync: a lambda there would allocate its captures for every effect.
    private void SendEnqueue(IQueueGrain queue, AskForSlot ask) => notices.Send(() => queue.EnqueueAsync(ask.Ticket), ask.What);

    private void SendRelease(IQueueGrain queue, string runId) => notices.Send(() => queue.ReleaseAsync(runId), new("release of", runId));

    private void SendEnd(IRunGrain parent, NotifyWaiter notify) =>
        notices.Send(() => parent.OnChildFinishedAsync(notify.Notification), new("end of", RunId, notify.RunId));

    /// <summary>Saves the state and waits for the commit; <paramref name="wake"/> names suspended runs to make due in the same commit.</summary>
    private async Task SaveAsync(IReadOnlyList<string>? wake)
    {
        var state = _machine!.State;
        state.Version++;
        var update = updates.Prepare(state);
        try
        {
            await store.SaveAsync(RunRow.From(state) with { WakeRunIds = wake });
        }
        catch
        {
            updates.Abandon(update);
            throw;
        }

        Publish(update);
    }

    /// <summary>Saves the state without waiting; a later awaited save carries the same state and more if this one fails.</summary>
    private void SaveInBackground()
    {
        var state = _machine!.State;
        state.Version++;
        var update = updates.Prepare(state);
        _ = ObserveAsync(store.SaveAsync(RunRow.From(state)), update, state.Id);

        async Task ObserveAsync(Task save, PreparedUpdate update, string runId)
        {
            try
            {
                await save;
            }
            catch (Exception exception)
            {
                updates.Abandon(update);
                LogBackgroundSaveFailed(exception, runId);
                return;
            }

            Publish(update);
        }
    }

    private void Publish(PreparedUpdate prepared)
    {
        if (prepared.Update is { } update && update.Sequence <= _published)
        {
            updates.Abandon(prepared);
            return;
        }

        _published = prepared.Update?.Sequence ?? _published;
        updates.Publish(prepared);
    }

    private void SetTimer(RunTimer timer, TimeSpan? due)
    {
        var slot = (int)timer;
        _timers[slot]?.Dispose();
        _timers[slot] = due is { } after
            ? this.RegisterGrainTimer(
                static (target, _) => target.Grain.OnTimerAsync(target.Timer),
                (Grain: this, Timer: timer),
                new GrainTimerCreationOptions(after, Timeout.InfiniteTimeSpan) { KeepAlive = timer != RunTimer.Suspend })
            : null;
    }

    private async Task OnTimerAsync(RunTimer timer)
    {
        SetTimer(timer, due: null);
        if (_machine is not { } machine)
        {
            return;
        }

        switch (timer)
        {
            case RunTimer.Due:
                machine.Resume();
                break;
            case RunTimer.Wait when !machine.State.Status.IsFinal():
                machine.WaitTimerDue(await CompleteDueWaitsAsync(machine));
                break;
            case RunTimer.Suspend:
                machine.SuspendTimerDue();
                break;
            case RunTimer.MachineRecheck:
                machine.MachineRecheckDue();
                break;
        }

        await ApplyAsync();
    }

    // ---- What needs other grains: tokens, children, machine presets ----

    private Task<WaitpointToken> CreateTokenAsync(JournalOp op)
    {
        var options = op.TokenOptions ?? new WaitTokenOptions();
        return options.IdempotencyKey is { } key
            ? GrainFactory.Reference<IWaitpointKeyGrain>(key).GetOrCreateAsync(options)
            : GrainFactory.Reference<IWaitpointTokenGrain>(RunIds.ForToken(RunId, op.Attempt, op.Key)).CreateAsync(options);
    }

    /// <summary>
    /// Triggers a journal operation's children. Every child is checked before any is triggered, as a batch from outside
    /// is. A trigger lost with a silo fails this call; the attempt sends it again (the ids are the same, and a child
    /// that was created is found, not created twice).
    /// </summary>
    private async Task<JournalOpResult> TriggerChildrenAsync(RunMachine machine, JournalOp op)
    {
        var state = machine.State;
        var children = op.Children ?? [];
        if (children.Count > TaskLimits.MaxBatchItems)
        {
            throw new BatchTooLargeException(children.Count, TaskLimits.MaxBatchItems);
        }

        var taskIds = children.Select(c =>
        {
            var descriptor = registry.Resolve(c.TaskId, c.TaskType);
            TriggerValidation.Validate(descriptor.Id, c.PayloadJson, c.Options ?? new TriggerOptions(), time.GetUtcNow());
            return descriptor.Id;
        }).ToList();

        var wait = op.Kind == JournalOpKind.TriggerAndWait;
        var batchId = children.Count > 1 ? RunIds.ForChildBatch(state.Id, op.Attempt, op.Key) : null;
        var handles = await Task.WhenAll(children.Select((child, i) => Triggering.RunStarter.TriggerAsync(GrainFactory, registry, child with
        {
            BatchId = batchId ?? child.BatchId,
            ParentRunId = state.Id,
            ParentAttempt = op.Attempt,
            RootRunId = state.RootRunId ?? state.Id,
            Depth = state.Depth + 1,
            ParentWaitKey = wait ? op.Key : null,
            ParentWaitIndex = i,
        }, RunIds.ForChild(state.Id, op.Attempt, op.Key, i))));

        // On a replay the children may exist from before, and a child whose idempotency key matched an earlier run is
        // that run: either may have ended while nothing here waited for it.
        Dictionary<int, ChildRunResult>? ended = null;
        if (wait && (op.Execution > 0 || handles.Any(h => h.IsCached)))
        {
            for (var i = 0; i < handles.Length; i++)
            {
                var child = await GrainFactory.Reference<IRunGrain>(handles[i].Id).GetAsync();
                if (child.IsFinal)
                {
                    (ended ??= [])[i] = WaitBook.ToChildResult(child);
                }
            }
        }

        return machine.ChildrenTriggered(op, handles, taskIds, batchId, ended);
    }

    /// <summary>Completes the timed waits that are due and the token waits whose token timed out; true if any completed.</summary>
    private async Task<bool> CompleteDueWaitsAsync(RunMachine machine)
    {
        var completed = machine.CompleteDueTimedWaits();
        foreach (var entry in machine.Waits.DueTokenWaits())
        {
            completed |= machine.TokenFoundSettled(entry.Key, await GrainFactory.Reference<IWaitpointTokenGrain>(entry.TokenId!).GetAsync());
        }

        return completed;
    }

    /// <summary>Brings every pending wait up to date from its source; true if any completed.</summary>
    private async Task<bool> CheckWaitsAsync(RunMachine machine)
    {
        // Every pending token is asked below, so a token wait past its timeout needs no question of its own here.
        var pending = machine.Waits.Pending();
        var completed = machine.CompleteDueTimedWaits();
        foreach (var (key, index, childId) in machine.Waits.UnfinishedChildren().ToList())
        {
            var child = await GrainFactory.Reference<IRunGrain>(childId).GetAsync();
            if (child.IsFinal)
            {
                machine.ChildFoundEnded(key, index, WaitBook.ToChildResult(child));
            }
        }

        foreach (var (key, tokenId) in machine.Waits.PendingTokens().ToList())
        {
            machine.TokenFoundSettled(key, await GrainFactory.Reference<IWaitpointTokenGrain>(tokenId).GetAsync());
        }

        return completed || pending.Exists(e => e.Completed);
    }

    /// <summary>This silo does not serve the run's preset: move to one that does, or wait visibly until one does.</summary>
    private void RouteToMachine()
    {
        if (!_routing)
        {
            _routing = true;
            _ = RouteAsync();
        }

        async Task RouteAsync()
        {
            try
            {
                var machine = _machine!;
                var target = await GrainFactory.Reference<IMachineDirectoryGrain>(0).FindAsync(machine.State.Machine);
                if (target is null)
                {
                    machine.NoServingSilo();
                    await ApplyAsync();
                    return;
                }

                machine.MovingTo(target.ToString());
                await ApplyAsync();
                _dispatchOnArrival = true;

                // A caller long-polling for the run's end would hold the move up until its poll ran out: let it go
                // (it polls again, and reaches the run where it moved).
                ReleaseFinalWaiters();
                RequestContext.Set(IPlacementDirector.PlacementHintKey, target);
                MigrateOnIdle();
            }
            finally
            {
                _routing = false;
            }
        }
    }

    // ---- Loading, and the activation's life ----

    private async Task CreateAsync(RunState state)
    {
        if (await store.TryInsertAsync(RunRow.From(state)))
        {
            _machine = NewMachine(state);
            _loaded = true;
            Publish(updates.Prepare(state));
            _machine.Triggered();
            await ApplyAsync();
        }
        else
        {
            _machine = NewMachine((await store.LoadAsync(RunId))?.ToState());
            _loaded = true;
        }
    }

    /// <summary>
    /// Loads the state once. Calls that interleave with the load, or with a trigger's insert, wait for it; each pass
    /// of the loop awaits a task that either marks the state loaded or throws, so it never spins.
    /// </summary>
    private async Task EnsureLoadedAsync()
    {
        while (!_loaded)
        {
            var loading = _loading ??= LoadAsync();
            try
            {
                await loading;
            }
            finally
            {
                // Cleared here rather than inside the load: a store that answers synchronously finishes the load
                // before _loading is even assigned.
                if (ReferenceEquals(_loading, loading))
                {
                    _loading = null;
                }
            }
        }

        async Task LoadAsync()
        {
            _machine = NewMachine((await store.LoadAsync(RunId))?.ToState());
            _loaded = true;
        }
    }

    private async Task<RunMachine> LoadExistingAsync()
    {
        await EnsureLoadedAsync();
        if (_machine is null)
        {
            DeactivateOnIdle();
            throw new RunNotFoundException(RunId);
        }

        return _machine;
    }

    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(state))]
    private RunMachine? NewMachine(RunState? state) =>
        state is null ? null : new RunMachine(state, this, time, _settings, logger);

    /// <summary>
    /// Records the trigger as a span, a child of the caller's (a service's span, or the parent run's attempt), and
    /// returns its context: the attempts' spans hang under it, so a run tree is one trace.
    /// </summary>
    private string? TriggerSpan(TriggerRequest request, string taskId)
    {
        ActivityContext.TryParse(request.TraceParent, null, isRemote: true, out var parent);
        using var activity = OrleansTasksTelemetry.Source.StartActivity($"trigger {taskId}", ActivityKind.Producer, parent);
        activity?.SetTag(OrleansTasksTelemetry.RunIdTag, RunId).SetTag(OrleansTasksTelemetry.TaskIdTag, taskId);
        return activity?.Id ?? request.TraceParent;
    }

    /// <summary>The run is final: answer the callers waiting for its end, and linger briefly for callers who ask moments later, then go.</summary>
    private void OnFinished()
    {
        if (_finalWaiters is { Count: > 0 } waiters)
        {
            var snapshot = _machine!.State.ToTaskRun();
            _finalWaiters = null;
            foreach (var waiter in waiters)
            {
                waiter.TrySetResult(snapshot);
            }
        }

        DelayDeactivation(TimeSpan.FromMinutes(-1));
        _timers[(int)RunTimer.Due]?.Dispose();
        _timers[(int)RunTimer.Due] = this.RegisterGrainTimer(
            static grain =>
            {
                grain.DeactivateOnIdle();
                return Task.CompletedTask;
            },
            this,
            new GrainTimerCreationOptions(s_finalLinger, Timeout.InfiniteTimeSpan));
    }

    /// <summary>Ends every long poll now with no answer; the callers poll again.</summary>
    private void ReleaseFinalWaiters()
    {
        if (_finalWaiters is { } waiters)
        {
            _finalWaiters = null;
            foreach (var waiter in waiters)
            {
                waiter.TrySetResult(null!);
            }
        }
    }

    /// <summary>
    /// Lets the activation go once it is idle; not while a caller long-polls for the run's end (the deactivation would
    /// wait for that call, and hold up the resume queued behind it).
    /// </summary>
    private void LetActivationGo()
    {
        DelayDeactivation(TimeSpan.FromMinutes(-1));
        if (_finalWaiters is not { Count: > 0 })
        {
            DeactivateOnIdle();
        }
    }

    private IQueueGrain Queue => GrainFactory.Reference<IQueueGrain>(_machine!.State.Queue);
}
