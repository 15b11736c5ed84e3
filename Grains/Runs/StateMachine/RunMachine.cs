using System.Text.Json;
using Microsoft.Extensions.Logging;
using OrleansTasks.Execution;
using OrleansTasks.Journal;
using OrleansTasks.Queues;
using OrleansTasks.Registry;
using OrleansTasks.Storage;
using OrleansTasks.Waitpoints;

namespace OrleansTasks.Runs.StateMachine;

/// <summary>
/// A run's rules, in one place with no Orleans in it: it takes the run's state and an event (triggered, slot granted,
/// attempt reported, durable operation recorded, wait done, timer due, cancel, reschedule, owner lost …), changes the
/// state, and lists the effects for the run grain to carry out (<see cref="TakeEffects"/>): persist, ask for or
/// release a slot, arm a timer, start an execution, tell the waiting parents. The owner, the wake-up time and the
/// retry timing are decided here and nowhere else.
/// </summary>
/// <remarks>
/// Every event that changes the run lists exactly one <see cref="Persist"/>: several writes asked for within one event
/// carry the same state, so they are folded into one (a committed write wins over a background one). Each write is
/// one update of the run, numbered by the run's version.
/// </remarks>
internal sealed class RunMachine
{
    /// <summary>How many times an attempt may be replayed after its silo died before it counts as crashed.</summary>
    public const int MaxCrashRecoveries = 5;

    /// <summary>How often a suspended run waiting for children or tokens checks on them, in case a notice was lost.</summary>
    public static readonly TimeSpan WaitRecheck = TimeSpan.FromMinutes(10);

    /// <summary>How often a run whose machine preset no live silo serves looks again, and how long a move may take.</summary>
    public static readonly TimeSpan MachineRecheck = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long after its moment a delayed run that asked its queue ahead waits for the grant before it enters the
    /// queue the ordinary way (the queue lost the ticket with its silo, or has no slot for it yet).
    /// </summary>
    public static readonly TimeSpan AheadBackstop = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A grant that reaches a delayed run at most this long before its moment arms its start on the silo's start clock;
    /// an earlier one (the queue's silo clock far ahead of this one's) is handed back.
    /// </summary>
    public static readonly TimeSpan ArmWindow = TimeSpan.FromSeconds(3);

    private static readonly IReadOnlyDictionary<string, RecordedOp> s_noJournal = new Dictionary<string, RecordedOp>(StringComparer.Ordinal);

    private readonly IRunHost _host;
    private readonly TimeProvider _time;
    private readonly RunMachineSettings _settings;
    private readonly ILogger _logger;
    private List<RunEffect> _effects = [];
    private bool _suspendTimerArmed;

    /// <summary>Set while the event being handled has listed an execution to start; cleared when its effects are taken.</summary>
    private bool _startingExecution;

    /// <summary>Set when a cancel reached the attempt's code running here: the execution runs the final hooks as it stops.</summary>
    private bool _executionRunsFinalHooks;

    /// <summary>
    /// Set when this activation, holding the run delayed, sent its queue a ticket for its moment
    /// (<see cref="QueueTicket.NotBefore"/>): a cancel or a new moment takes it back. Not kept across activations: a
    /// grant for a ticket nobody remembers finds the run as it is and is used or handed back.
    /// </summary>
    private bool _askedAhead;

    /// <summary>
    /// Set (to the grant's stamp) while the run, granted its slot before its moment, has its first attempt armed on
    /// the silo's start clock: the clock starts the code at the moment, and the run records the start when it next
    /// hears of it (<see cref="SettleArmedStart"/>). The run stays DELAYED until then, and also holds the slot
    /// (<see cref="_askedAhead"/> stays set), so withdrawing the arm leaves it as it was before the grant's arming.
    /// </summary>
    private DateTimeOffset? _armedGrant;

    public RunMachine(RunState state, IRunHost host, TimeProvider time, RunMachineSettings settings, ILogger logger)
    {
        State = state;
        _host = host;
        _time = time;
        _settings = settings;
        _logger = logger;
        Waits = new WaitBook(state, time, settings.SuspendThreshold);
    }

    public RunState State { get; }

    public WaitBook Waits { get; }

    /// <summary>The number of the attempt whose code is executing (here or anywhere), or null.</summary>
    public int? ExecutingAttempt => State.CurrentAttempt is { Status: AttemptStatus.Executing } attempt ? attempt.Number : null;

    /// <summary>
    /// Whether the current execution of the attempt runs on this silo now: it is running, or this event has just
    /// started it (the grain starts it once the event's effects are carried out).
    /// </summary>
    public bool IsLive => State.CurrentAttempt is { Status: AttemptStatus.Executing } attempt
        && (_startingExecution || _host.IsRunning(State.Id, attempt.Number, State.Execution));

    /// <summary>Whether the run's first attempt is armed on the silo's start clock (see <see cref="SettleArmedStart"/>).</summary>
    public bool IsArmed => _armedGrant is not null;

    private DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>The effects of the events since the last call, in the order to carry them out.</summary>
    public List<RunEffect> TakeEffects()
    {
        var effects = _effects;
        _effects = [];
        _startingExecution = false;
        return effects;
    }

    /// <summary>
    /// A new run's state. A delayed run is held until its moment (a long delay is written suspended, so the supervisor
    /// wakes it without a second write); any other enters its queue now.
    /// </summary>
    public static RunState NewRun(string runId, TriggerRequest request, TaskDescriptor descriptor, string? traceParent, string silo, DateTimeOffset now, TimeSpan suspendThreshold)
    {
        var options = request.Options ?? new TriggerOptions();
        var delayUntil = options.DelayUntil ?? (options.Delay is { } delay ? now + delay : null);
        var delayed = delayUntil > now;
        var state = new RunState
        {
            Id = runId,
            TaskId = descriptor.Id,
            Status = delayed ? RunStatus.Delayed : RunStatus.Queued,
            Queue = options.Queue ?? descriptor.QueueName,
            ConcurrencyKey = options.ConcurrencyKey,
            Priority = options.Priority ?? 0,
            Machine = options.Machine ?? descriptor.Machine,
            Tags = [.. options.Tags ?? []],
            BatchId = request.BatchId,
            CreatedAt = now,
            UpdatedAt = now,
            Owner = silo,
            Version = 1,
            PayloadJson = request.PayloadJson,
            MaxAttempts = options.MaxAttempts ?? descriptor.Retry.MaxAttempts,
            Retry = descriptor.Retry,
            MaxDuration = options.MaxDuration ?? descriptor.MaxDuration,
            ParentRunId = request.ParentRunId,
            RootRunId = request.RootRunId ?? runId,
            Depth = request.Depth,
            ParentWaitKey = request.ParentWaitKey,
            ParentWaitIndex = request.ParentWaitIndex,
            Ttl = options.Ttl is { } t && t > TimeSpan.Zero ? t : null,
            IdempotencyKey = request.IdempotencyKeyHash is null ? null : options.IdempotencyKey,
            IdempotencyKeyHash = request.IdempotencyKeyHash,
            IdempotencyKeyExpiresAt = request.IdempotencyKeyHash is null ? null : now + (options.IdempotencyKeyTtl ?? IdempotencyKeys.DefaultTtl),
            DebounceKey = options.Debounce?.Key,
            DebounceDeadline = request.DebounceDeadline,
            ReplayOf = request.ReplayOf,
            ScheduleId = request.ScheduleId,
            ScheduleOccurrence = request.ScheduleOccurrence,
            TraceParent = traceParent,
            MetadataJson = options.MetadataJson is { } metadata ? Metadata.MetadataDocument.Parse(metadata).ToJson() : null,
        };

        if (delayed)
        {
            state.WakeAt = delayUntil;
            if (delayUntil!.Value - now >= suspendThreshold)
            {
                state.Owner = null;
            }
        }
        else
        {
            Enqueued(state, now);
        }

        return state;
    }

    /// <summary>The next attempt's time by the retry policy after <paramref name="failedAttempt"/> failed; null when none is left.</summary>
    public static DateTimeOffset? RetryAt(RetryOptions retry, int failedAttempt, int maxAttempts, DateTimeOffset now) =>
        failedAttempt < maxAttempts ? now + retry.GetDelay(failedAttempt, Random.Shared.NextDouble()) : null;

    // ---- Events: from outside ----

    /// <summary>The new run's row is written: hold it until due, or send it into its queue.</summary>
    public void Triggered()
    {
        _logger.Triggered(State.Id, State.TaskId, State.Queue);
        if (State.Status == RunStatus.Delayed)
        {
            if (State.Owner is null)
            {
                Emit(new ScheduleWake(State.WakeAt!.Value));
                Emit(LetGo.Instance);
            }
            else
            {
                AskAhead();
            }
        }
        else
        {
            Dispatch();
        }
    }

    /// <summary>Cancels the run; <paramref name="codeStopsHere"/>: the attempt's code runs here and was told to stop, so it runs the final hooks.</summary>
    public void Cancel(bool codeStopsHere)
    {
        if (State.Status.IsFinal())
        {
            return;
        }

        if (ExecutingAttempt is not null)
        {
            _executionRunsFinalHooks = codeStopsHere;
            CloseAttempt(AttemptStatus.Canceled, error: null);
        }

        _logger.Canceled(State.Id, State.Status.ToWireName());
        Finish(RunStatus.Canceled, outputJson: null, error: null);
    }

    /// <exception cref="InvalidRunOperationException">The run is not <c>DELAYED</c>.</exception>
    public void Reschedule(DateTimeOffset delayUntil)
    {
        WithdrawArmedStart();
        if (State.Status != RunStatus.Delayed)
        {
            throw new InvalidRunOperationException(State.Id, State.Status,
                $"Run {State.Id} is {State.Status.ToWireName()}; only a DELAYED run can be rescheduled.");
        }

        _logger.Rescheduled(State.Id, delayUntil);
        if (delayUntil <= Now)
        {
            EnqueueAfterDelay();
        }
        else
        {
            WaitUntil(delayUntil);
        }
    }

    /// <summary>
    /// A debounced trigger matched this run: while it is still delayed its start moves (never past its deadline) and,
    /// in trailing mode, it takes <paramref name="trailing"/>'s payload and options. False when it has started already.
    /// </summary>
    public bool Debounce(DateTimeOffset delayUntil, DebouncedTrigger? trailing)
    {
        WithdrawArmedStart();
        if (State.Status != RunStatus.Delayed)
        {
            return false;
        }

        if (trailing is not null)
        {
            State.PayloadJson = trailing.PayloadJson;
            State.PayloadChanged = true;
            State.Tags = [.. trailing.Tags];
            State.MaxAttempts = trailing.MaxAttempts;
            State.MaxDuration = trailing.MaxDuration;
            State.Machine = trailing.Machine;
        }

        var due = State.DebounceDeadline is { } deadline && delayUntil > deadline ? deadline : delayUntil;
        _logger.Debounced(State.Id, due);
        WaitUntil(due);
        return true;
    }

    /// <summary>A parent whose child matched this run by idempotency key waits for it too.</summary>
    public void AddWaiter(string parentRunId, string waitKey, int index)
    {
        if (!State.Status.IsFinal() && !State.Waiters.Exists(w => w.RunId == parentRunId && w.WaitKey == waitKey && w.Index == index))
        {
            State.Waiters.Add(new RunWaiter(parentRunId, waitKey, index));
            Save(commit: true);
        }
    }

    /// <summary>The queue found the run past its time to live.</summary>
    public void Expire()
    {
        if (State.Status == RunStatus.Queued && IsExpired())
        {
            ExpireNow();
        }
    }

    // ---- Events: the queue and the attempt ----

    /// <summary>
    /// Records the start of the armed attempt if the start clock has started it: DELAYED to EXECUTING in one step and
    /// one write, as a grant at the moment would have done. The grain calls it before every change it feeds in.
    /// </summary>
    public void SettleArmedStart()
    {
        if (_armedGrant is { } grantedAt && _host.TakeClockStart(State.Id, ArmedAttempt) is { } startedAt)
        {
            BeginArmed(grantedAt, startedAt);
        }
    }

    /// <summary>
    /// The run is about to change its plan (cancel, a new moment, leaving this silo): the armed attempt is taken off the
    /// start clock, and the run is DELAYED holding its slot, as before the grant. If the clock has started it already,
    /// the start is recorded instead and the change meets an executing run.
    /// </summary>
    public void WithdrawArmedStart()
    {
        if (_armedGrant is not { } grantedAt)
        {
            return;
        }

        _armedGrant = null;
        if (_host.WithdrawClockStart(State.Id, ArmedAttempt) is { } startedAt)
        {
            BeginArmed(grantedAt, startedAt);
        }
    }

    public void SlotGranted(DateTimeOffset grantedAt)
    {
        var state = State;
        if (_armedGrant is not null)
        {
            return; // A second grant of the slot it holds and armed its start with.
        }

        if (state is { Status: RunStatus.Queued } or { Status: RunStatus.Waiting, ResumeRequested: true } && !_host.Serves(state.Machine))
        {
            // The grant reached an activation on a silo that does not serve the run's preset (it was placed here
            // again after it moved): hand the slot back and go where the preset is served; the run asks again there.
            Emit(ReleaseSlot.Committed);
            Emit(MoveToServingSilo.Instance);
        }
        else if (state.Status == RunStatus.Delayed && !IsDueLater())
        {
            if (!_host.Serves(state.Machine))
            {
                // Its moment has come on a silo that does not serve its preset: the slot goes back, and the run enters
                // its queue the ordinary way, which takes it where the preset is served.
                Emit(ReleaseSlot.Committed);
                EnqueueAfterDelay();
            }
            else
            {
                // It asked ahead, and its moment has come: it is queued as of that moment and takes the slot in one step.
                LeaveDelay(queuedAt: state.WakeAt ?? Now);
                if (IsExpired())
                {
                    ExpireNow();
                }
                else
                {
                    StartAttempt(grantedAt);
                }
            }
        }
        else if (state.Status == RunStatus.Delayed && _askedAhead && CanArm())
        {
            // Granted before its moment, as the queue grants runs that asked ahead: the code starts at the moment on
            // the silo's start clock, and the run records it then.
            Arm(grantedAt);
        }
        else if (state.Status == RunStatus.Delayed && _askedAhead)
        {
            // Granted too long before its moment by this silo's clock (the queue's silo clock far ahead), or for a run
            // that cannot arm: hand the slot back and enter the queue the ordinary way when the moment comes.
            _askedAhead = false;
            Emit(ReleaseSlot.Committed);
            Emit(new SetTimer(RunTimer.Due, Until(state.WakeAt!.Value)));
        }
        else if (state.Status == RunStatus.Queued && !IsDueLater())
        {
            if (IsExpired())
            {
                ExpireNow();
            }
            else
            {
                StartAttempt(grantedAt);
            }
        }
        else if (state is { Status: RunStatus.Waiting, ResumeRequested: true })
        {
            ResumeWithSlot();
        }
        else if (state.Status is not (RunStatus.Dequeued or RunStatus.Executing))
        {
            // Not waiting for a slot (cancelled meanwhile, or a stale grant): hand it straight back.
            Emit(ReleaseSlot.Committed);
        }
    }

    /// <summary>The execution reported how it ended; a report of an execution that is no longer current changes nothing.</summary>
    public void AttemptReported(AttemptOutcome outcome)
    {
        var state = State;
        if (state.Status is not (RunStatus.Executing or RunStatus.Waiting) || state.CurrentAttempt is not { Status: AttemptStatus.Executing } attempt
            || attempt.Number != outcome.Attempt || state.Execution != outcome.Execution)
        {
            _logger.StaleReport(state.Id, outcome.Attempt, state.Status.ToWireName());
            return;
        }

        if (outcome.Hooks is { Count: > 0 } hooks)
        {
            // Kept on the attempt for its timeline, each execution's after the last, up to the bound.
            state.Attempts[^1] = attempt with { Hooks = [.. (attempt.Hooks ?? []).Concat(hooks).Take(RunAttempt.MaxHooks)] };
        }

        switch (outcome.Kind)
        {
            case AttemptOutcomeKind.Suspended:
                foreach (var key in outcome.UnwoundWaits ?? [])
                {
                    state.FindEntry(key)?.Unwound = true;
                }

                SuspensionUnwound();
                break;
            case AttemptOutcomeKind.Succeeded:
                CloseAttempt(AttemptStatus.Completed, error: null, outcome.EndedAt);
                Finish(RunStatus.Completed, outcome.OutputJson, error: null);
                break;
            case AttemptOutcomeKind.TimedOut:
                CloseAttempt(AttemptStatus.TimedOut, outcome.Error, outcome.EndedAt);
                Finish(RunStatus.TimedOut, outputJson: null, outcome.Error);
                break;
            case AttemptOutcomeKind.Canceled:
                CloseAttempt(AttemptStatus.Canceled, outcome.Error, outcome.EndedAt);
                Finish(RunStatus.Canceled, outputJson: null, error: null);
                break;
            default:
                _logger.AttemptFailed(state.Id, attempt.Number, outcome.Error?.ToString() ?? "no error recorded");
                CloseAttempt(AttemptStatus.Failed, outcome.Error, outcome.EndedAt);
                FailAttempt(outcome.Error, outcome.Retryable, RunStatus.Failed, outcome.RetryAt);
                break;
        }
    }

    // ---- Events: time, and silos coming and going ----

    /// <summary>Woken: by its own timer, by the supervisor (due, or orphaned because its silo died), or a wait ended with no live code.</summary>
    public void Resume()
    {
        var state = State;
        if (_armedGrant is not null && !IsDueLater())
        {
            // The backstop after the moment, and the start clock has not started the armed attempt (or has, and the
            // run was not told): take it back, or record the start.
            WithdrawArmedStart();
        }

        if (state.Status.IsFinal())
        {
            Emit(LetGo.Instance);
            return;
        }

        switch (state.Status)
        {
            case RunStatus.Delayed or RunStatus.Queued or RunStatus.Dequeued when IsDueLater() && IsHeldHere():
                // Its own timer fired a moment early (a timer counts whole milliseconds on a coarser clock than the
                // wall clock's): it is already held here until then, so nothing is written, only the timer armed
                // again. A write here would be awaited, and under a burst it waits behind every write in the batch.
                // One that asked its queue ahead arms its backstop again.
                Emit(new SetTimer(RunTimer.Due, Until(state.WakeAt!.Value) + (_askedAhead ? AheadBackstop : TimeSpan.Zero)));
                break;

            case RunStatus.Delayed or RunStatus.Queued or RunStatus.Dequeued when IsDueLater():
                WaitUntil(state.WakeAt!.Value);
                break;

            case RunStatus.Delayed:
                EnqueueAfterDelay();
                break;

            case RunStatus.Queued or RunStatus.Dequeued:
                if (state.Status == RunStatus.Dequeued)
                {
                    MoveTo(RunStatus.Queued);
                }

                state.WakeAt = null;
                state.Owner = _host.Silo;
                _logger.Resumed(state.Id, state.Status.ToWireName());
                Save();
                Dispatch();
                break;

            case RunStatus.Executing or RunStatus.Waiting when IsLive:
                // Executing here: a timer or a mistaken supervisor; bring the waits up to date.
                UpdateWaits();
                break;

            default:
                // The code runs nowhere: what it waits for may have come while no one listened.
                Emit(new CheckWaits(WaitCheck.Resume));
                break;
        }
    }

    /// <summary>The grain brought the pending waits up to date (<see cref="CheckWaits"/>); <paramref name="completed"/>: one of them ended.</summary>
    public void WaitsChecked(WaitCheck why, bool completed)
    {
        var state = State;
        if (why == WaitCheck.Suspended)
        {
            if (completed)
            {
                RequestSlotToResume();
                return;
            }

            if (state.WakeAt is { } due)
            {
                Emit(new ScheduleWake(due));
            }

            Emit(LetGo.Instance);
        }
        else if (state.Status == RunStatus.Executing)
        {
            RecoverExecution();
        }
        else if (state.Status == RunStatus.Waiting)
        {
            ResumeWaiting(completed);
        }
    }

    /// <summary>The run's activation is going away with the attempt's code running here, which has been stopped; the steps it finished are recorded.</summary>
    public void HandOver(IReadOnlyList<RunContext.StepRecord> drainedSteps, string reason)
    {
        var state = State;
        foreach (var step in drainedSteps)
        {
            if (state.FindEntry(step.Key) is null)
            {
                AddStep(step.Key, step.Name, step.ResultJson);
            }
        }

        // The supervisor picks the run up at once elsewhere, and replays it from the journal.
        if (_settings.DurableStorage)
        {
            _logger.HandedOver(state.Id, reason);
        }
        else
        {
            _logger.EndsWithSilo(state.Id, reason);
        }

        state.Owner = null;
        state.WakeAt = Now;
        state.HandedOver = true;
        Save(commit: true);
    }

    /// <summary>The run's activation is going away with no code running: a wait held in memory is suspended, so the supervisor wakes it.</summary>
    public void Deactivating()
    {
        if (State is { Owner: not null, WakeAt: not null } && !State.Status.IsFinal())
        {
            State.Owner = null;
            Save(commit: true);
        }
    }

    /// <summary>The run moved here (grain migration) to execute on a silo serving its preset: take it over and ask for a slot.</summary>
    public void Arrived()
    {
        if (State.Status is RunStatus.Queued or RunStatus.Waiting)
        {
            State.Owner = _host.Silo;
            State.WakeAt = null;
            Save();
            AskForSlotAgain();
        }
    }

    /// <summary>No live silo serves the run's preset: it waits queued, says why, and looks again shortly.</summary>
    public void NoServingSilo()
    {
        var reason = $"no live silo serves machine preset '{State.Machine.ToPresetName()}'";
        if (State.WaitingFor != reason)
        {
            State.WaitingFor = reason;
            _logger.NoMachine(State.Id, State.Machine.ToPresetName());
            Save();
        }

        Emit(new SetTimer(RunTimer.MachineRecheck, MachineRecheck));
    }

    /// <summary>The run moves to <paramref name="silo"/>; if the move is lost (the target dies), the supervisor wakes it shortly and it routes again.</summary>
    public void MovingTo(string silo)
    {
        State.WaitingFor = null;
        State.Owner = null;
        State.WakeAt = Now + MachineRecheck;
        _logger.Moving(State.Id, State.Machine.ToPresetName(), silo);
        Save(commit: true);
    }

    public void MachineRecheckDue()
    {
        if (State is { Status: RunStatus.Queued or RunStatus.Waiting, WaitingFor: not null })
        {
            AskForSlotAgain();
        }
    }

    // ---- Events: the journal ----

    /// <summary>
    /// The answer to a journal operation that needs nothing recorded: a stale execution's, or one already in the
    /// journal (a replay). Null when the operation is new.
    /// </summary>
    /// <exception cref="NonDeterminismException">The journal holds another operation at this position.</exception>
    public JournalOpResult? Recorded(JournalOp op)
    {
        var state = State;
        if (IsStale(op))
        {
            return JournalOpResult.StaleExecution;
        }

        if (state.FindEntry(op.Key) is not { } existing)
        {
            return null;
        }

        if (existing.Kind != op.Kind || existing.Name != op.Name)
        {
            throw new NonDeterminismException(state.Id, op.Key, existing.Describe(), JournalEntry.Describe(op.Kind, op.Name));
        }

        return existing.ToResult();
    }

    /// <summary>Whether the operation comes from an execution that is not the run's current one (or from a run that has ended).</summary>
    private bool IsStale(JournalOp op) =>
        State.Status.IsFinal() || State.CurrentAttempt?.Number != op.Attempt || State.Execution != op.Execution;

    /// <summary>A step's side effect is done: its record is committed before the attempt goes on (a step must not run twice).</summary>
    public JournalOpResult StepDone(JournalOp op)
    {
        var entry = AddStep(op.Key, op.Name, op.ResultJson);
        Save(commit: true);
        return entry.ToResult();
    }

    /// <summary>Records a step whose side effect is done, with its result.</summary>
    private JournalEntry AddStep(string key, string name, string? resultJson)
    {
        var entry = NewEntry(key, JournalOpKind.Step, name);
        Waits.Complete(entry);
        entry.ResultJson = resultJson;
        State.Journal.Add(entry);
        return entry;
    }

    public JournalOpResult TimedWaitStarted(JournalOp op)
    {
        var entry = NewEntry(op.Key, op.Kind, op.Name);
        entry.DueAt = op.DueAt ?? Now;
        if (entry.DueAt <= Now)
        {
            Waits.Complete(entry);
        }

        return Journaled(entry);
    }

    public JournalOpResult TokenCreated(JournalOp op, WaitpointToken token)
    {
        var entry = NewEntry(op.Key, op.Kind, op.Name);
        Waits.Complete(entry);
        entry.TokenId = token.Id;
        entry.ResultJson = JsonSerializer.Serialize(token, TaskJson.Options);
        return Journaled(entry) with { Token = token };
    }

    /// <summary>The run is now a waiter of <paramref name="token"/> (which may have settled already).</summary>
    public JournalOpResult TokenWaitStarted(JournalOp op, WaitpointToken token)
    {
        var entry = NewEntry(op.Key, op.Kind, op.Name);
        entry.TokenId = token.Id;
        entry.DueAt = token.TimeoutAt;
        if (token.Status != WaitpointStatus.Waiting)
        {
            Waits.Settle(entry, token);
        }

        return Journaled(entry);
    }

    /// <summary>
    /// Every child of a trigger exists (the entry joins the journal only then, so it never names a child that was never
    /// created). <paramref name="ended"/>: for a wait, the children known to have ended already (a replay, or a child
    /// matched by idempotency key), by index.
    /// </summary>
    public JournalOpResult ChildrenTriggered(JournalOp op, IReadOnlyList<RunHandle> children, IReadOnlyList<string> taskIds, string? batchId,
        IReadOnlyDictionary<int, ChildRunResult>? ended)
    {
        if (State.FindEntry(op.Key) is { } concurrent)
        {
            return concurrent.ToResult(); // Recorded meanwhile by a second copy of this call.
        }

        var entry = NewEntry(op.Key, op.Kind, op.Name);
        entry.ChildRunIds = [.. children.Select(c => c.Id)];
        entry.ChildTaskIds = [.. taskIds];
        entry.BatchId = batchId;
        if (op.Kind == JournalOpKind.Trigger)
        {
            Waits.Complete(entry);
        }
        else
        {
            entry.ChildResults = [.. children.Select(_ => (ChildRunResult?)null)];
        }

        entry.Seq = State.Journal.Count;
        State.Journal.Add(entry);
        foreach (var (index, result) in ended ?? (IEnumerable<KeyValuePair<int, ChildRunResult>>)[])
        {
            Waits.RecordChildResult(entry.Key, index, result);
        }

        return AfterJournaled(entry);
    }

    /// <summary>
    /// The live code stopped waiting at a pending wait because the cancellation token it passed fired. The wait completes
    /// as abandoned, so a replay throws there again, and the run goes on as after any wait: the code gets the answer
    /// once the run holds its slot again. A wait that ended first keeps its result. Children waited for go on running;
    /// a token's waiter is taken off it.
    /// </summary>
    /// <exception cref="NonDeterminismException">The journal holds another operation at this position.</exception>
    public JournalOpResult WaitAbandoned(JournalOp op)
    {
        var state = State;
        if (IsStale(op))
        {
            return JournalOpResult.StaleExecution;
        }

        if (state.FindEntry(op.Key) is not { } entry || entry.Kind != op.Kind || entry.Name != op.Name || !entry.IsWait)
        {
            throw new NonDeterminismException(state.Id, op.Key, state.FindEntry(op.Key)?.Describe() ?? "nothing", JournalEntry.Describe(op.Kind, op.Name));
        }

        if (entry.Completed)
        {
            return entry.ToResult();
        }

        Waits.Abandon(entry);
        if (entry.Kind == JournalOpKind.WaitToken)
        {
            Emit(new RemoveTokenWaiter(entry.TokenId!));
        }

        _logger.WaitAbandoned(state.Id, entry.Key, entry.Describe());
        Save();
        WaitEnded();
        return entry.ToResult();
    }

    /// <summary>
    /// Metadata operations arrive: from this run's code, a child's, or a client. Each numbered operation applies once:
    /// those at or below the source's last applied number are skipped (a replay, or a send repeated after a lost
    /// answer). The list applies whole or not at all.
    /// </summary>
    /// <exception cref="MetadataTooLargeException">The metadata would be over 256 KB; nothing changed.</exception>
    /// <exception cref="InvalidRequestException">An operation cannot apply; nothing changed.</exception>
    public void MetadataUpdated(Metadata.MetadataUpdate update)
    {
        var state = State;
        var operations = update.Operations;
        long last = 0;
        if (update.Source is { } source)
        {
            var applied = state.MetadataApplied.GetValueOrDefault(source);
            last = update.FirstSequence + operations.Count - 1;
            if (last <= applied)
            {
                return;
            }

            operations = [.. operations.Skip((int)Math.Max(0, applied - update.FirstSequence + 1))];
        }

        var document = Metadata.MetadataDocument.Parse(state.MetadataJson);
        document.Apply(operations);
        state.MetadataJson = document.ToJson();
        if (update.Source is { } applier)
        {
            state.MetadataApplied[applier] = last;
        }

        // Committed before the caller hears back: a client's update has no replay to bring it again.
        state.UpdatedAt = Now;
        Save(commit: true);
        RefreshArmedStart();
    }

    /// <summary>
    /// Tags added after the trigger (Trigger.dev's <c>tags.add</c>): those the run lacks join its tags, in order. Returns
    /// how many were new. Committed before the caller hears back.
    /// </summary>
    /// <exception cref="InvalidRequestException">The run would have more than <see cref="TaskLimits.MaxTags"/> tags, or a tag is empty or too long; nothing changed.</exception>
    public int TagsAdded(IReadOnlyList<string> tags)
    {
        var state = State;
        var added = tags.Distinct(StringComparer.Ordinal).Where(t => !state.Tags.Contains(t)).ToList();
        if (added.Count == 0)
        {
            return 0;
        }

        if (TaskLimits.TagProblem([.. state.Tags, .. added]) is { } problem)
        {
            throw new InvalidRequestException($"Tags were not added to run {state.Id}: {problem} (it has {state.Tags.Count}).", nameof(tags));
        }

        state.Tags.AddRange(added);
        state.UpdatedAt = Now;
        Save(commit: true);
        RefreshArmedStart();
        return added.Count;
    }

    /// <summary>
    /// A data stream of this run got its first chunk: its key joins the run's streams, so readers of the run learn of
    /// it. Committed before the stream stores the chunk.
    /// </summary>
    /// <exception cref="StreamLimitException">The run has <see cref="Streams.StreamLimits.MaxStreamsPerRun"/> streams already.</exception>
    public void StreamOpened(string key)
    {
        var state = State;
        if (state.Streams.Contains(key))
        {
            return;
        }

        if (state.Streams.Count >= Streams.StreamLimits.MaxStreamsPerRun)
        {
            throw new StreamLimitException(
                $"Run {state.Id} has {state.Streams.Count} data streams, the most a run may have; the stream '{key}' was not created.");
        }

        state.Streams.Add(key);
        state.UpdatedAt = Now;
        Save(commit: true);
    }

    /// <summary>A child this run waits for ended.</summary>
    public void ChildEnded(ChildNotification notification)
    {
        if (!State.Status.IsFinal() && Waits.RecordChildResult(notification.Key, notification.Index, notification.Result))
        {
            Save();
            if (State.FindEntry(notification.Key)!.Completed)
            {
                WaitEnded();
            }
        }
    }

    /// <summary>A waitpoint token this run waits for was completed or timed out.</summary>
    public void TokenSettled(string key, WaitpointToken token)
    {
        if (!State.Status.IsFinal() && Waits.SettleToken(key, token))
        {
            Save();
            WaitEnded();
        }
    }

    /// <summary>Reconciling: a child found ended, or a token found settled, while nothing may have listened. No more than recorded.</summary>
    public bool ChildFoundEnded(string key, int index, ChildRunResult result) => Saved(Waits.RecordChildResult(key, index, result));

    public bool TokenFoundSettled(string key, WaitpointToken token) => Saved(Waits.SettleToken(key, token));

    /// <summary>Completes the timed waits that are due; true if any did.</summary>
    public bool CompleteDueTimedWaits() => Saved(Waits.CompleteDueTimedWaits());

    private bool Saved(bool changed)
    {
        if (changed)
        {
            Save();
        }

        return changed;
    }

    /// <summary>The next pending wait's timer fired; <paramref name="completed"/>: the grain found a due wait ended.</summary>
    public void WaitTimerDue(bool completed)
    {
        if (State.Status.IsFinal())
        {
            return;
        }

        if (completed)
        {
            WaitEnded();
        }
        else
        {
            UpdateWaits();
        }
    }

    /// <summary>The live attempt has waited long enough: it unwinds at a quiet moment (no step running), and its report completes the suspension.</summary>
    public void SuspendTimerDue()
    {
        _suspendTimerArmed = false;
        if (State.Status == RunStatus.Waiting && Waits.AnyReleasingSlot() && IsLive)
        {
            Emit(new SuspendExecution(State.CurrentAttempt!.Number, State.Execution));
        }
    }

    // ---- Rules ----

    /// <summary>
    /// Sends the run into its queue. The queue answers with a grant (a one-way call back), so neither grain ever waits
    /// on the other.
    /// </summary>
    private void Dispatch()
    {
        var state = State;
        if (!_host.Serves(state.Machine))
        {
            Emit(MoveToServingSilo.Instance);
            return;
        }

        state.WaitingFor = null;
        var ticket = new QueueTicket(state.Id, state.ConcurrencyKey, state.QueueOrder, state.Attempts.Count == 0 ? state.ExpiresAt : null);
        Emit(new AskForSlot(ticket, new("enqueue of", state.Id)));
    }

    /// <summary>Asks the queue for a slot: to resume a waiting run, or to start a queued one.</summary>
    private void AskForSlotAgain()
    {
        if (State.Status == RunStatus.Waiting)
        {
            RequestSlotToResume();
        }
        else
        {
            Dispatch();
        }
    }

    /// <summary>A new attempt: a fresh journal, and its first execution.</summary>
    private void StartAttempt(DateTimeOffset grantedAt, DateTimeOffset? startedOnClockAt = null)
    {
        var state = State;
        var now = startedOnClockAt ?? Now;
        MoveTo(RunStatus.Dequeued);
        var number = state.Attempts.Count + 1;
        KeepJournalOf(number - 1);
        state.Attempts.Add(new RunAttempt(number, AttemptStatus.Executing, now, EndedAt: null, Error: null, _host.Silo, grantedAt));
        state.StartedAt ??= now;
        state.ExpiresAt = null;
        state.Journal.Clear();
        state.Execution = 0;
        state.CrashRecoveries = 0;
        StartExecution(replay: false, startedOnClock: startedOnClockAt is not null);
        _logger.AttemptStarted(state.Id, number);
    }

    /// <summary>The attempt that ended leaves its journal to the run's history, bounded, before the next attempt starts afresh.</summary>
    private void KeepJournalOf(int attempt)
    {
        var state = State;
        if (attempt < 1)
        {
            return;
        }

        var kept = state.Journal.Count > TaskLimits.MaxAttemptJournalEntries ? state.Journal.GetRange(0, TaskLimits.MaxAttemptJournalEntries) : state.Journal;
        state.History.Add(new AttemptJournal(attempt, [.. kept.Select(e => e.ToRecord())], state.Journal.Count - kept.Count));
        if (state.History.Count > TaskLimits.MaxAttemptJournals)
        {
            state.History.RemoveAt(0);
        }
    }

    /// <summary>
    /// Runs the current attempt's code: its first execution, or a replay over its journal (after the run resumed, or
    /// after the silo executing it died).
    /// </summary>
    private void StartExecution(bool replay, bool startedOnClock = false)
    {
        var state = State;
        if (state.Status != RunStatus.Executing)
        {
            MoveTo(RunStatus.Executing);
        }

        if (replay)
        {
            state.Execution++;
            _logger.Replaying(state.Id, state.CurrentAttempt!.Number, state.Execution, state.Journal.Count);
        }

        state.ResumeRequested = false;
        state.WakeAt = null;
        state.Owner = _host.Silo;

        // The execution starts now; the record of it starting is committed alongside other runs' writes. If this
        // silo dies before that commit, the run is found again by its owner and simply starts (or replays) anew.
        Save();
        Emit(KeepAlive.Instance);
        if (!startedOnClock)
        {
            var journal = state.Journal.ToDictionary(e => e.Key, e => new RecordedOp(e.Kind, e.Name, e.ToResult(), e.Unwound), StringComparer.Ordinal);
            Emit(new StartExecution(Request(state, journal)));
            _startingExecution = true;
        }

        UpdateWaits();
    }

    /// <summary>The run was executing but its code runs nowhere: replay the attempt. One that keeps dying with its silo counts as crashed after a few tries.</summary>
    private void RecoverExecution()
    {
        var state = State;
        if (state.HandedOver)
        {
            state.HandedOver = false;
        }
        else if (++state.CrashRecoveries > MaxCrashRecoveries)
        {
            CrashAttempt($"its silo stopped {MaxCrashRecoveries} times while it executed");
            return;
        }

        _logger.Recovering(state.Id, state.CurrentAttempt!.Number, state.CrashRecoveries);
        StartExecution(replay: true);
    }

    /// <summary>A waiting run with no live code: go on if what it waits for has come, else suspend until it does.</summary>
    private void ResumeWaiting(bool completed)
    {
        var pending = Waits.Pending();
        if (completed || State.ResumeRequested || !pending.Exists(Waits.ReleasesSlot))
        {
            RequestSlotToResume();
        }
        else if (pending.Exists(e => e.DueAt is { } due && due - Now <= _settings.WakeEarly * 2))
        {
            // Woken just before its moment: wait the last moments in memory rather than suspend again.
            State.Owner = _host.Silo;
            ArmWaitTimer(pending);
        }
        else
        {
            Suspend();
        }
    }

    private void CrashAttempt(string why)
    {
        var number = State.CurrentAttempt?.Number ?? 0;
        var error = new TaskRunError("OrleansTasks.AttemptCrashed", $"Attempt {number} crashed: {why}.", Code: TaskRunErrorCodes.Crashed);
        CloseAttempt(AttemptStatus.Crashed, error);
        _logger.AttemptCrashed(State.Id, number, why);
        FailAttempt(error, retryable: true, RunStatus.Crashed, retryAt: null);
    }

    private void CloseAttempt(AttemptStatus status, TaskRunError? error, DateTimeOffset? endedAt = null)
    {
        if (State.CurrentAttempt is { Status: AttemptStatus.Executing } attempt)
        {
            State.Attempts[^1] = attempt with { Status = status, EndedAt = endedAt ?? Now, Error = error };
        }
    }

    /// <summary>
    /// The attempt failed: retry by the policy (a new attempt, a fresh journal) at <paramref name="retryAt"/> (the
    /// execution's decision, which <c>CatchErrorAsync</c> may have made) or the policy's next delay; or end the run
    /// with <paramref name="finalStatus"/>.
    /// </summary>
    private void FailAttempt(TaskRunError? error, bool retryable, RunStatus finalStatus, DateTimeOffset? retryAt)
    {
        var state = State;
        var failed = state.Attempts.Count;
        var now = Now;
        if (!retryable || (retryAt ?? RetryAt(state.Retry, failed, state.MaxAttempts, now)) is not { } due || failed >= state.MaxAttempts)
        {
            Finish(finalStatus, outputJson: null, error);
            return;
        }

        var inQueue = state.Status.HoldsSlot() || state.ResumeRequested;
        AbandonWaits(cancelChildren: false);
        state.Error = error;
        MoveTo(RunStatus.Queued);
        state.ResumeRequested = false;
        if (inQueue)
        {
            Emit(ReleaseSlot.InBackground);
        }

        _logger.RetryScheduled(state.Id, failed + 1, due - now);
        WaitUntil(due);
    }

    private void Finish(RunStatus status, string? outputJson, TaskRunError? error)
    {
        var state = State;

        // In the queue one way or another: holding a slot, waiting in the backlog, or waiting to take a slot back.
        var inQueue = state.Status.HoldsSlot() || state.Status == RunStatus.Queued || state.ResumeRequested || _askedAhead;
        _askedAhead = false;
        AbandonWaits(cancelChildren: status == RunStatus.Canceled);
        MoveTo(status);
        state.FinishedAt = state.UpdatedAt;
        state.OutputJson = outputJson;
        state.Error = status == RunStatus.Completed ? null : error;
        state.WakeAt = null;
        state.Owner = null;
        state.ResumeRequested = false;
        if (inQueue)
        {
            Emit(ReleaseSlot.InBackground);
        }

        Emit(new SetTimer(RunTimer.Due, Due: null));

        // The parents waiting for this run are made due in the same commit: if a notice below is lost with a silo,
        // the wake-up index still moves them on within seconds.
        Save(commit: true, wake: WaitingParents());
        _logger.Finished(state.Id, status.ToWireName(), state.Attempts.Count);
        RunFinalHooksIfNeeded(status, error);
        Emit(Finished.Instance);
        NotifyWaiters();
    }

    /// <summary>
    /// A run that ended without its code running here (crashed; cancelled while queued, delayed or waiting) still gets
    /// its failure hooks. When the cancel reached running code, the execution runs them itself as it stops, and only it.
    /// </summary>
    private void RunFinalHooksIfNeeded(RunStatus status, TaskRunError? error)
    {
        if (status is not (RunStatus.Canceled or RunStatus.Crashed or RunStatus.SystemFailure) || _executionRunsFinalHooks)
        {
            return;
        }

        error ??= new TaskRunError("OrleansTasks.RunCanceled", "The run was cancelled.", Code: TaskRunErrorCodes.Canceled);
        Emit(new RunFinalHooks(Request(State, new Dictionary<string, RecordedOp>(), new TaskFailure(status, error, Exception: null))));
    }

    /// <summary>
    /// A new run delayed a short while, held here: it sends its queue a ticket for its moment, so the queue grants
    /// every run due at that moment in one turn instead of each run waking, writing QUEUED and asking on its own. Its
    /// timer stays as the backstop: if no grant has come a little after the moment, it enters the queue the ordinary
    /// way. A silo that does not serve its machine preset keeps the ordinary path (the run moves at its moment).
    /// </summary>
    private void AskAhead()
    {
        var state = State;
        var wakeAt = state.WakeAt!.Value;
        if (!_host.Serves(state.Machine))
        {
            Emit(new SetTimer(RunTimer.Due, Until(wakeAt)));
            return;
        }

        _askedAhead = true;
        var ticket = new QueueTicket(state.Id, state.ConcurrencyKey, QueueOrders.Of(wakeAt, state.Priority), state.Ttl is { } ttl ? wakeAt + ttl : null, NotBefore: wakeAt);
        Emit(new AskForSlot(ticket, new("enqueue ahead of", state.Id)));
        Emit(new SetTimer(RunTimer.Due, Until(wakeAt) + AheadBackstop));
    }

    /// <summary>The attempt an armed start is for: a run arms only before its first attempt.</summary>
    private int ArmedAttempt => State.Attempts.Count + 1;

    /// <summary>A run arms its start only before its first attempt, on a silo that serves its preset, and close to its moment.</summary>
    private bool CanArm() =>
        State is { Attempts.Count: 0, WakeAt: { } moment } && moment - Now <= ArmWindow && _host.Serves(State.Machine);

    /// <summary>
    /// Arms the first attempt on the silo's start clock for the run's moment. Nothing is written: the run is DELAYED
    /// until the clock starts the code, and its backstop timer (armed when it asked ahead) stays.
    /// </summary>
    private void Arm(DateTimeOffset grantedAt)
    {
        _armedGrant = grantedAt;
        RefreshArmedStart();
    }

    /// <summary>Lists the armed start as the run is now: when it arms, and when its tags or metadata change while armed.</summary>
    private void RefreshArmedStart()
    {
        if (_armedGrant is not null)
        {
            Emit(new ArmExecution(ArmedRequest(), State.WakeAt!.Value));
        }
    }

    /// <summary>The request <see cref="StartAttempt"/> will list for the first attempt, made before the attempt exists.</summary>
    private AttemptRequest ArmedRequest()
    {
        var state = State;
        var attempt = ArmedAttempt;
        return Request(state, s_noJournal) with
        {
            Attempt = attempt,
            Execution = 0,
            MetadataApplied = state.MetadataApplied.GetValueOrDefault(Metadata.MetadataUpdate.SourceOf(state.Id, attempt)),
        };
    }

    /// <summary>The start clock started the armed attempt at <paramref name="startedAt"/>: the run records it as a grant at its moment would have.</summary>
    private void BeginArmed(DateTimeOffset grantedAt, DateTimeOffset startedAt)
    {
        _armedGrant = null;
        LeaveDelay(queuedAt: State.WakeAt ?? startedAt);
        StartAttempt(grantedAt, startedOnClockAt: startedAt);
    }

    /// <summary>The delay is over: the run enters its queue now, and its time to live starts counting.</summary>
    private void EnqueueAfterDelay()
    {
        var state = State;

        // The ordinary ticket below takes the place of one sent ahead (the queue moves that run in at once); a run
        // that asked ahead for this moment counts as queued from it, as its ticket does.
        LeaveDelay(queuedAt: _askedAhead && state.WakeAt is { } moment && moment <= Now ? moment : Now);
        Save();
        Dispatch();
    }

    /// <summary>DELAYED to QUEUED, queued as of <paramref name="queuedAt"/>, held here, its delay timer stopped.</summary>
    private void LeaveDelay(DateTimeOffset queuedAt)
    {
        var state = State;
        _askedAhead = false;
        MoveTo(RunStatus.Queued);
        Enqueued(state, queuedAt);
        state.WakeAt = null;
        state.Owner = _host.Silo;
        Emit(new SetTimer(RunTimer.Due, Due: null));
    }

    private void ExpireNow()
    {
        _logger.Expired(State.Id, State.Ttl);
        var error = new TaskRunError("OrleansTasks.RunExpired", $"The run was not started within its time to live of {State.Ttl}.", Code: TaskRunErrorCodes.Expired);
        Finish(RunStatus.Expired, outputJson: null, error);
    }

    /// <summary>
    /// Holds the run until <paramref name="wakeAt"/>, durably. A short wait keeps a timer in this activation; a long
    /// one suspends: the run is saved with no owner and the time it is due, and the supervisor wakes it.
    /// </summary>
    private void WaitUntil(DateTimeOffset wakeAt)
    {
        var state = State;
        if (_askedAhead)
        {
            // A new moment (rescheduled, debounced): the ticket sent for the old one is taken back before anything
            // else is sent, and the run enters its queue the ordinary way at the new one.
            _askedAhead = false;
            Emit(ReleaseSlot.Committed);
        }

        var delay = wakeAt - Now;
        state.WakeAt = wakeAt;
        if (delay < _settings.SuspendThreshold)
        {
            state.Owner = _host.Silo;
            Emit(new SetTimer(RunTimer.Due, Until(wakeAt)));
            Save(commit: true);
            return;
        }

        state.Owner = null;
        Emit(new SetTimer(RunTimer.Due, Due: null));
        Save(commit: true);
        _logger.Suspended(state.Id, wakeAt);
        Emit(new ScheduleWake(wakeAt));
        Emit(LetGo.Instance);
    }

    /// <summary>
    /// Puts the run in the state its pending waits call for: the timer for the next one due, the slot given up while
    /// a releasing wait is pending, and the suspension of a live attempt that waits (at once for a long timed wait,
    /// after the suspend threshold for children and tokens).
    /// </summary>
    private void UpdateWaits()
    {
        var state = State;
        var pending = Waits.Pending();
        ArmWaitTimer(pending);
        var releasing = pending.FindAll(Waits.ReleasesSlot);
        if (releasing.Count == 0)
        {
            StopSuspendTimer();
            return;
        }

        if (state.Status == RunStatus.Executing)
        {
            MoveTo(RunStatus.Waiting);
            Emit(ReleaseSlot.InBackground);
            Save();
        }

        if (!_suspendTimerArmed && IsLive)
        {
            var hold = releasing.Exists(e => !e.IsExternalWait) ? TimeSpan.Zero : _settings.SuspendThreshold;
            _suspendTimerArmed = true;
            Emit(new SetTimer(RunTimer.Suspend, hold));
        }
    }

    private void StopSuspendTimer()
    {
        _suspendTimerArmed = false;
        Emit(new SetTimer(RunTimer.Suspend, Due: null));
    }

    private void ArmWaitTimer(List<JournalEntry> pending) =>
        Emit(new SetTimer(RunTimer.Wait, WaitBook.NextDue(pending) is { } next ? Until(next) : null));

    /// <summary>
    /// A wait ended. A live attempt gets its result at once; if nothing that gives up the slot is still pending, the
    /// run first takes its slot back (ahead of new work). A run not executing anywhere resumes by replay.
    /// </summary>
    private void WaitEnded()
    {
        if (!IsLive)
        {
            Resume();
        }
        else if (State.Status == RunStatus.Waiting && !Waits.AnyReleasingSlot())
        {
            RequestSlotToResume();
        }
        else
        {
            DeliverCompletedWaits();
            UpdateWaits();
        }
    }

    /// <summary>Asks for a slot to go on with; the grant (at once for a queue with no limit) resumes the run.</summary>
    private void RequestSlotToResume()
    {
        var state = State;
        state.ResumeRequested = true;
        if (!_host.Serves(state.Machine))
        {
            // Woken on a silo that does not serve its machine: go where one does, and ask for the slot there.
            Emit(MoveToServingSilo.Instance);
            return;
        }

        state.Owner = _host.Silo;
        StopSuspendTimer();
        Save();
        var ticket = new QueueTicket(state.Id, state.ConcurrencyKey, state.QueueOrder - QueueOrders.ResumeCredit, ExpiresAt: null);
        Emit(new AskForSlot(ticket, new("resume request of", state.Id)));
    }

    /// <summary>The run has its slot back: the live attempt goes on, or a replay starts.</summary>
    private void ResumeWithSlot()
    {
        var state = State;
        state.ResumeRequested = false;
        if (IsLive)
        {
            MoveTo(RunStatus.Executing);
            state.WakeAt = null;
            Save();
            DeliverCompletedWaits();
            UpdateWaits();
        }
        else
        {
            StartExecution(replay: true);
        }
    }

    private void DeliverCompletedWaits()
    {
        var state = State;
        foreach (var entry in state.Journal)
        {
            if (entry.IsWait && entry.Completed)
            {
                Emit(new DeliverResult(state.CurrentAttempt!.Number, state.Execution, entry.Key, entry.ToResult()));
            }
        }
    }

    /// <summary>The attempt's code has unwound for a suspension: make it durable, or go on if the wait is over.</summary>
    private void SuspensionUnwound()
    {
        StopSuspendTimer();
        if (State.Status == RunStatus.Executing)
        {
            // The slot came back while the code unwound: replay straight away.
            StartExecution(replay: true);
        }
        else if (!Waits.AnyReleasingSlot() || State.ResumeRequested)
        {
            RequestSlotToResume();
        }
        else
        {
            Suspend();
        }
    }

    /// <summary>Makes the waiting run durable with nothing in memory: no owner, and the time to look at it again.</summary>
    private void Suspend()
    {
        var state = State;
        var pending = Waits.Pending();
        var external = pending.Exists(e => e.IsExternalWait);
        var recheck = external ? Now + WaitRecheck : DateTimeOffset.MaxValue;
        var wakeAt = WaitBook.NextDue(pending) is { } next && next < recheck ? next : recheck;
        state.Owner = null;
        state.WakeAt = wakeAt == DateTimeOffset.MaxValue ? null : wakeAt;
        Emit(new SetTimer(RunTimer.Wait, Due: null));
        Save(commit: true);
        _logger.Suspended(state.Id, wakeAt);

        // A child or token that ended before that save found this run not yet suspended: its final write did not
        // make the run due, and its notice may have been lost. Whatever ends after the save makes the run due. So one
        // look now, after the save, leaves no gap between the two.
        if (external)
        {
            Emit(new CheckWaits(WaitCheck.Suspended));
        }
        else
        {
            WaitsChecked(WaitCheck.Suspended, completed: false);
        }
    }

    /// <summary>The run ends while waits are pending: stop waiting for them, and cancel the children it waited for.</summary>
    private void AbandonWaits(bool cancelChildren)
    {
        Emit(new SetTimer(RunTimer.Wait, Due: null));
        StopSuspendTimer();
        foreach (var entry in Waits.Pending())
        {
            if (entry.Kind == JournalOpKind.WaitToken)
            {
                Emit(new RemoveTokenWaiter(entry.TokenId!));
            }
            else if (entry.Kind == JournalOpKind.TriggerAndWait && cancelChildren)
            {
                for (var i = 0; i < entry.ChildRunIds!.Count; i++)
                {
                    if (entry.ChildResults![i] is null)
                    {
                        Emit(new CancelChild(entry.ChildRunIds[i]));
                    }
                }
            }
        }
    }

    /// <summary>The runs waiting for this one's end: the parent that triggered it and waits, and any that matched it by idempotency key.</summary>
    private List<string>? WaitingParents()
    {
        var state = State;
        List<string>? parents = null;
        if (state.ParentRunId is not null && state.ParentWaitKey is not null)
        {
            (parents ??= []).Add(state.ParentRunId);
        }

        foreach (var waiter in state.Waiters)
        {
            (parents ??= []).Add(waiter.RunId);
        }

        return parents;
    }

    /// <summary>
    /// Tells the runs waiting for this one how it ended. If a notice is lost all the same (this silo dies first), the
    /// final save has already made a suspended parent due, and a live one reconciles with its children before it suspends.
    /// </summary>
    private void NotifyWaiters()
    {
        var state = State;
        if (state.ParentRunId is null && state.Waiters.Count == 0)
        {
            return;
        }

        var result = WaitBook.ToChildResult(state.ToTaskRun());
        if (state.ParentRunId is not null && state.ParentWaitKey is not null)
        {
            Emit(new NotifyWaiter(state.ParentRunId, new ChildNotification(state.ParentWaitKey, state.ParentWaitIndex, result)));
        }

        foreach (var waiter in state.Waiters)
        {
            Emit(new NotifyWaiter(waiter.RunId, new ChildNotification(waiter.WaitKey, waiter.Index, result)));
        }
    }

    private JournalOpResult Journaled(JournalEntry entry)
    {
        entry.Seq = State.Journal.Count;
        State.Journal.Add(entry);
        return AfterJournaled(entry);
    }

    /// <summary>A new entry is in the journal: write it, and if it is a wait still pending, act on it.</summary>
    private JournalOpResult AfterJournaled(JournalEntry entry)
    {
        Save();
        if (!entry.Completed)
        {
            UpdateWaits();
        }

        return entry.ToResult();
    }

    private JournalEntry NewEntry(string key, JournalOpKind kind, string name) =>
        new() { Key = key, Seq = State.Journal.Count, Kind = kind, Name = name, CreatedAt = Now };

    private void MoveTo(RunStatus status)
    {
        RunTransitions.Ensure(State.Id, State.Status, status);
        State.Status = status;
        State.UpdatedAt = Now;
    }

    /// <summary>The run enters its queue now: its order (queue time less priority credit) and its expiry are set from this moment.</summary>
    private static void Enqueued(RunState state, DateTimeOffset now)
    {
        state.QueueOrder = QueueOrders.Of(now, state.Priority);
        state.ExpiresAt = state.Ttl is { } ttl ? now + ttl : null;
    }

    private bool IsDueLater() => State.WakeAt is { } wakeAt && wakeAt > Now;

    /// <summary>Held on this silo as the table already says: owned here and due within the suspend threshold, so only a timer is needed.</summary>
    private bool IsHeldHere() => State.Owner == _host.Silo && State.WakeAt is { } wakeAt && wakeAt - Now < _settings.SuspendThreshold;

    private bool IsExpired() => State.Attempts.Count == 0 && State.ExpiresAt is { } expiresAt && expiresAt <= Now;

    private TimeSpan Until(DateTimeOffset moment) => moment - Now is var delay && delay > TimeSpan.Zero ? delay : TimeSpan.Zero;

    /// <summary>
    /// Asks for the run to be written. One write per event: a later write carries everything an earlier one in the
    /// same event would, so the earlier is dropped; a committed write stays where it is, since what follows it waits
    /// for it.
    /// </summary>
    private void Save(bool commit = false, IReadOnlyList<string>? wake = null)
    {
        for (var i = 0; i < _effects.Count; i++)
        {
            if (_effects[i] is Persist existing)
            {
                if (existing.Await)
                {
                    if (wake is not null)
                    {
                        _effects[i] = existing with { WakeRuns = [.. existing.WakeRuns ?? [], .. wake] };
                    }

                    return;
                }

                _effects.RemoveAt(i);
                break;
            }
        }

        Emit(commit || wake is not null ? (wake is null ? Persist.Committed : new Persist(Await: true, wake)) : Persist.InBackground);
    }

    private void Emit(RunEffect effect) => _effects.Add(effect);

    internal static AttemptRequest Request(RunState state, IReadOnlyDictionary<string, RecordedOp> journal, TaskFailure? finalFailure = null) =>
        new(state.Id, state.TaskId, state.CurrentAttempt?.Number ?? 0, state.Execution, state.PayloadJson, [.. state.Tags], state.Queue,
            state.Machine, state.CreatedAt, state.MaxDuration, journal)
        {
            Retry = state.Retry,
            MaxAttempts = state.MaxAttempts,
            TraceParent = state.TraceParent,
            FinalFailure = finalFailure,
            MetadataJson = state.MetadataJson,
            ParentRunId = state.ParentRunId,
            RootRunId = state.RootRunId ?? state.Id,
            MetadataApplied = state.MetadataApplied.GetValueOrDefault(Metadata.MetadataUpdate.SourceOf(state.Id, state.CurrentAttempt?.Number ?? 0)),
        };
}

/// <summary>What a trailing debounce takes from the latest trigger.</summary>
internal sealed record DebouncedTrigger(string PayloadJson, IReadOnlyList<string> Tags, int MaxAttempts, TimeSpan? MaxDuration, MachinePreset Machine);
