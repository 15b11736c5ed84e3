using System.Text.Json;
using OrleansTasks.Journal;
using OrleansTasks.Queues;
using OrleansTasks.Storage;
using OrleansTasks.Waitpoints;

namespace OrleansTasks.Runs;

/// <summary>
/// The journal: durable operations recorded as the attempt makes them, waits and what they do to the run (its slot,
/// its memory), and results delivered to the attempt while it runs, or a replay when it has been unwound.
/// </summary>
/// <remarks>
/// A wait for children or a token gives up the run's slot at once (so a parent waiting for a child on its own
/// queue can never deadlock) and the run is <c>WAITING</c>; a timed wait shorter than the suspend threshold keeps
/// the slot and the run <c>EXECUTING</c>. A waiting run stays in memory for up to the suspend threshold (a long
/// timed wait not at all), then suspends: the attempt's code is unwound, the run's state records what it waits for,
/// and the grain goes away. When a wait ends, a live attempt gets the result at once (taking its slot back first if
/// nothing else is pending); a suspended run takes a slot, ahead of new work, and replays.
/// </remarks>
internal sealed partial class RunGrain
{
    /// <summary>How many times an attempt may be replayed after its silo died before it counts as crashed.</summary>
    private const int MaxCrashRecoveries = 5;

    /// <summary>How often a suspended run waiting for children or tokens checks on them, in case a notice was lost.</summary>
    private static readonly TimeSpan s_waitRecheck = TimeSpan.FromMinutes(10);

    private IGrainTimer? _waitTimer;
    private IGrainTimer? _suspendTimer;

    public async Task<JournalOpResult> JournalAsync(JournalOp op)
    {
        ArgumentNullException.ThrowIfNull(op);
        await EnsureLoadedAsync();
        var state = _state;
        if (state is null || state.Status.IsFinal() || state.CurrentAttempt?.Number != op.Attempt || state.Execution != op.Execution)
        {
            return JournalOpResult.StaleExecution;
        }

        if (state.FindEntry(op.Key) is { } existing)
        {
            if (existing.Kind != op.Kind || existing.Name != op.Name)
            {
                throw new NonDeterminismException(state.Id, op.Key, existing.Describe(), JournalEntry.Describe(op.Kind, op.Name));
            }

            return existing.ToResult();
        }

        var entry = new JournalEntry { Key = op.Key, Seq = state.Journal.Count, Kind = op.Kind, Name = op.Name, CreatedAt = time.GetUtcNow() };
        return op.Kind switch
        {
            JournalOpKind.Step => await RecordStepAsync(entry, op),
            JournalOpKind.Wait => RecordTimedWait(entry, op),
            JournalOpKind.CreateToken => await RecordTokenAsync(entry, op),
            JournalOpKind.WaitToken => await RecordTokenWaitAsync(entry, op),
            _ => await RecordChildrenAsync(entry, op),
        };
    }

    public async Task OnChildFinishedAsync(ChildNotification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        await EnsureLoadedAsync();
        var entry = _state?.FindEntry(notification.Key);
        if (_state is null || _state.Status.IsFinal() || entry is not { Kind: JournalOpKind.TriggerAndWait, Completed: false }
            || notification.Index >= entry.ChildRunIds!.Count || entry.ChildRunIds[notification.Index] != notification.Result.RunId)
        {
            // A child of an earlier attempt, or of a wait this run no longer has: nothing waits for it.
            return;
        }

        RecordChildResult(entry, notification.Index, notification.Result);
        if (entry.Completed)
        {
            await OnWaitCompletedAsync();
        }
    }

    public async Task OnTokenCompletedAsync(string key, WaitpointToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        await EnsureLoadedAsync();
        if (_state is { } state && !state.Status.IsFinal() && state.FindEntry(key) is { Kind: JournalOpKind.WaitToken, Completed: false } entry
            && entry.TokenId == token.Id && token.Status != WaitpointStatus.Waiting)
        {
            CompleteTokenWait(entry, token);
            await OnWaitCompletedAsync();
        }
    }

    private async Task<JournalOpResult> RecordStepAsync(JournalEntry entry, JournalOp op)
    {
        Complete(entry);
        entry.ResultJson = op.ResultJson;
        _state!.Journal.Add(entry);

        // A step is a side effect that must not run twice: its record is committed before the attempt goes on.
        await SaveAsync();
        return entry.ToResult();
    }

    private JournalOpResult RecordTimedWait(JournalEntry entry, JournalOp op)
    {
        entry.DueAt = op.DueAt ?? time.GetUtcNow();
        if (entry.DueAt <= time.GetUtcNow())
        {
            Complete(entry);
        }

        _state!.Journal.Add(entry);
        SaveInBackground();
        if (!entry.Completed)
        {
            UpdateWaits();
        }

        return entry.ToResult();
    }

    private async Task<JournalOpResult> RecordTokenAsync(JournalEntry entry, JournalOp op)
    {
        var state = _state!;
        var options = op.TokenOptions ?? new WaitTokenOptions();
        var token = options.IdempotencyKey is { } key
            ? await GrainFactory.GetGrain<IWaitpointKeyGrain>(key).GetOrCreateAsync(options)
            : await GrainFactory.GetGrain<IWaitpointTokenGrain>(RunIds.ForToken(state.Id, op.Attempt, op.Key)).CreateAsync(options);
        Complete(entry);
        entry.TokenId = token.Id;
        entry.ResultJson = JsonSerializer.Serialize(token, TaskJson.Options);
        state.Journal.Add(entry);
        SaveInBackground();
        return entry.ToResult() with { Token = token };
    }

    private async Task<JournalOpResult> RecordTokenWaitAsync(JournalEntry entry, JournalOp op)
    {
        var token = await GrainFactory.GetGrain<IWaitpointTokenGrain>(op.TokenId!).AddWaiterAsync(_state!.Id, op.Key);
        entry.TokenId = token.Id;
        entry.DueAt = token.TimeoutAt;
        if (token.Status != WaitpointStatus.Waiting)
        {
            CompleteTokenWait(entry, token);
        }

        _state!.Journal.Add(entry);
        SaveInBackground();
        if (!entry.Completed)
        {
            UpdateWaits();
        }

        return entry.ToResult();
    }

    private async Task<JournalOpResult> RecordChildrenAsync(JournalEntry entry, JournalOp op)
    {
        var state = _state!;
        var children = op.Children ?? [];
        if (children.Count > TaskLimits.MaxBatchItems)
        {
            throw new BatchTooLargeException(children.Count, TaskLimits.MaxBatchItems);
        }

        // Every child is checked before any is triggered, as a batch from outside is.
        var taskIds = children.Select(c =>
        {
            var descriptor = registry.Resolve(c.TaskId, c.TaskType);
            TriggerValidation.Validate(descriptor.Id, c.PayloadJson, c.Options ?? new TriggerOptions());
            return descriptor.Id;
        }).ToList();

        var wait = op.Kind == JournalOpKind.TriggerAndWait;
        var batchId = children.Count > 1 ? RunIds.ForChildBatch(state.Id, op.Attempt, op.Key) : null;
        entry.ChildRunIds = [.. children.Select((_, i) => RunIds.ForChild(state.Id, op.Attempt, op.Key, i))];
        entry.ChildTaskIds = taskIds;
        entry.BatchId = batchId;
        if (wait)
        {
            entry.ChildResults = [.. children.Select(_ => (ChildRunResult?)null)];
        }

        // The entry joins the journal only once every child exists, so a journal never names a child that was never
        // created. A trigger lost with a silo fails this call; the attempt sends it again (the ids are the same, and
        // a child that was created is found, not created twice).
        var handles = await Task.WhenAll(children.Select((child, i) => Triggering.RunStarter.TriggerAsync(GrainFactory, registry, child with
        {
            BatchId = batchId ?? child.BatchId,
            ParentRunId = state.Id,
            ParentAttempt = op.Attempt,
            RootRunId = state.RootRunId ?? state.Id,
            Depth = state.Depth + 1,
            ParentWaitKey = wait ? op.Key : null,
            ParentWaitIndex = i,
        }, entry.ChildRunIds[i])));

        // A child whose idempotency key matched an earlier run is that run: wait for it (it may have ended already).
        var cached = false;
        for (var i = 0; i < handles.Length; i++)
        {
            entry.ChildRunIds[i] = handles[i].Id;
            cached |= handles[i].IsCached;
        }

        if (state.FindEntry(op.Key) is { } concurrent)
        {
            return concurrent.ToResult(); // Recorded meanwhile by a second copy of this call.
        }

        entry.Seq = state.Journal.Count;
        state.Journal.Add(entry);

        if (!wait)
        {
            Complete(entry);
        }
        else if (op.Execution > 0 || cached)
        {
            // On a replay the children may exist from before, and may have ended while nothing here waited for them.
            await ReconcileChildrenAsync(entry);
        }

        SaveInBackground();
        if (!entry.Completed)
        {
            UpdateWaits();
        }

        return entry.ToResult();
    }

    private void Complete(JournalEntry entry)
    {
        entry.Completed = true;
        entry.CompletedAt = time.GetUtcNow();
    }

    private void RecordChildResult(JournalEntry entry, int index, ChildRunResult result)
    {
        entry.ChildResults![index] = result;
        if (entry.ChildResults.All(r => r is not null))
        {
            Complete(entry);
        }

        SaveInBackground();
    }

    private void CompleteTokenWait(JournalEntry entry, WaitpointToken token)
    {
        Complete(entry);
        if (token.Status == WaitpointStatus.Completed)
        {
            entry.ResultJson = token.OutputJson ?? "null";
        }
        else
        {
            entry.Error = new TaskRunError(typeof(WaitpointTimeoutException).FullName!, $"Waitpoint token {token.Id} timed out before it was completed.", Code: TaskRunErrorCodes.WaitpointTimedOut);
        }

        SaveInBackground();
    }

    private List<JournalEntry> PendingWaits() => [.. _state!.Journal.Where(e => e.IsWait && !e.Completed)];

    /// <summary>Whether a pending wait gives up the slot: children and tokens always, timed waits past the threshold.</summary>
    private bool ReleasesSlot(JournalEntry entry) =>
        entry.IsExternalWait || (entry.DueAt is { } due && due - time.GetUtcNow() >= _options.SuspendThreshold);

    private bool IsLive(RunState state) =>
        state.CurrentAttempt is { Status: AttemptStatus.Executing } attempt && executor.IsRunning(state.Id, attempt.Number, state.Execution);

    /// <summary>
    /// Puts the run in the state its pending waits call for: the timer for the next one due, the slot given up while
    /// a releasing wait is pending, and the suspension of a live attempt that waits (at once for a long timed wait,
    /// after the suspend threshold for children and tokens).
    /// </summary>
    private void UpdateWaits()
    {
        var state = _state!;
        var pending = PendingWaits();
        ArmWaitTimer(pending);
        var releasing = pending.Where(ReleasesSlot).ToList();
        if (releasing.Count == 0)
        {
            StopSuspendTimer();
            return;
        }

        if (state.Status == RunStatus.Executing)
        {
            MoveTo(RunStatus.Waiting);
            ReleaseSlot();
            SaveInBackground();
        }

        if (_suspendTimer is null && IsLive(state))
        {
            var hold = releasing.Any(e => !e.IsExternalWait) ? TimeSpan.Zero : _options.SuspendThreshold;
            _suspendTimer = this.RegisterGrainTimer(static grain => grain.OnSuspendTimer(), this, new GrainTimerCreationOptions(hold, Timeout.InfiniteTimeSpan));
        }
    }

    private Task OnSuspendTimer()
    {
        StopSuspendTimer();
        var state = _state!;
        if (state.Status == RunStatus.Waiting && PendingWaits().Any(ReleasesSlot) && IsLive(state))
        {
            // The attempt unwinds at a quiet moment (no step running); its report then completes the suspension.
            executor.Suspend(state.Id, state.CurrentAttempt!.Number, state.Execution);
        }

        return Task.CompletedTask;
    }

    private void StopSuspendTimer()
    {
        _suspendTimer?.Dispose();
        _suspendTimer = null;
    }

    private void ArmWaitTimer(List<JournalEntry> pending)
    {
        _waitTimer?.Dispose();
        _waitTimer = null;
        if (pending.Where(e => e.DueAt is not null).Select(e => e.DueAt!.Value).DefaultIfEmpty(DateTimeOffset.MaxValue).Min() is var next
            && next != DateTimeOffset.MaxValue)
        {
            var due = next - time.GetUtcNow();
            _waitTimer = this.RegisterGrainTimer(
                static grain => grain.OnWaitTimerAsync(),
                this,
                new GrainTimerCreationOptions(due < TimeSpan.Zero ? TimeSpan.Zero : due, Timeout.InfiniteTimeSpan) { KeepAlive = true });
        }
    }

    private async Task OnWaitTimerAsync()
    {
        _waitTimer?.Dispose();
        _waitTimer = null;
        if (_state is null || _state.Status.IsFinal())
        {
            return;
        }

        if (await CompleteDueWaitsAsync())
        {
            await OnWaitCompletedAsync();
        }
        else
        {
            UpdateWaits();
        }
    }

    /// <summary>Completes the timed waits that are due and the token waits whose token timed out; true if any completed.</summary>
    private async Task<bool> CompleteDueWaitsAsync()
    {
        var now = time.GetUtcNow();
        var completed = false;
        foreach (var entry in PendingWaits().Where(e => e.DueAt <= now))
        {
            if (entry.Kind == JournalOpKind.Wait)
            {
                Complete(entry);
                completed = true;
            }
            else if (entry.Kind == JournalOpKind.WaitToken)
            {
                var token = await GrainFactory.GetGrain<IWaitpointTokenGrain>(entry.TokenId!).GetAsync();
                if (token.Status != WaitpointStatus.Waiting)
                {
                    CompleteTokenWait(entry, token);
                    completed = true;
                }
            }
        }

        if (completed)
        {
            SaveInBackground();
        }

        return completed;
    }

    /// <summary>Asks the children of a pending wait how they are, recording those that ended.</summary>
    private async Task ReconcileChildrenAsync(JournalEntry entry)
    {
        for (var i = 0; i < entry.ChildRunIds!.Count; i++)
        {
            if (entry.ChildResults![i] is null)
            {
                var child = await GrainFactory.GetGrain<IRunGrain>(entry.ChildRunIds[i]).GetAsync();
                if (child.IsFinal)
                {
                    RecordChildResult(entry, i, ToChildResult(child));
                }
            }
        }
    }

    /// <summary>Brings every pending wait up to date from its source; true if any completed.</summary>
    private async Task<bool> ReconcileWaitsAsync()
    {
        var completed = await CompleteDueWaitsAsync();
        foreach (var entry in PendingWaits())
        {
            if (entry.Kind == JournalOpKind.TriggerAndWait)
            {
                await ReconcileChildrenAsync(entry);
            }
            else if (entry.Kind == JournalOpKind.WaitToken)
            {
                var token = await GrainFactory.GetGrain<IWaitpointTokenGrain>(entry.TokenId!).GetAsync();
                if (token.Status != WaitpointStatus.Waiting)
                {
                    CompleteTokenWait(entry, token);
                }
            }

            completed |= entry.Completed;
        }

        return completed;
    }

    internal static ChildRunResult ToChildResult(TaskRun run) =>
        new(run.Id, run.TaskId, run.Status, run.OutputJson, run.Status == RunStatus.Completed ? null : run.Error ?? new TaskRunError("OrleansTasks.RunNotSuccessful", $"The run ended {run.Status.ToWireName()}."));

    /// <summary>
    /// A wait ended. A live attempt gets its result at once; if nothing that gives up the slot is still pending, the
    /// run first takes its slot back (ahead of new work). A run not executing anywhere resumes by replay.
    /// </summary>
    private Task OnWaitCompletedAsync()
    {
        var state = _state!;
        if (!IsLive(state))
        {
            return ResumeAsync();
        }

        if (state.Status == RunStatus.Waiting && !PendingWaits().Any(ReleasesSlot))
        {
            RequestSlotToResume();
        }
        else
        {
            DeliverCompletedWaits();
            UpdateWaits();
        }

        return Task.CompletedTask;
    }

    /// <summary>Asks for a slot to go on with; the grant (at once for a queue with no limit) resumes the run.</summary>
    private void RequestSlotToResume()
    {
        var state = _state!;
        if (!machines.Serves(state.Machine))
        {
            // Woken on a silo that does not serve its machine: go where one does, and ask for the slot there.
            state.ResumeRequested = true;
            RouteToMachine();
            return;
        }

        state.ResumeRequested = true;
        state.Owner = Silo;
        StopSuspendTimer();
        SaveInBackground();
        var queue = Queue(state);
        var ticket = new QueueTicket(state.Id, state.ConcurrencyKey, state.QueueOrder - QueueOrders.ResumeCredit, ExpiresAt: null);
        notices.Send(() => queue.EnqueueAsync(ticket), $"resume request of {state.Id}");
    }

    /// <summary>The run has its slot back: the live attempt goes on, or a replay starts.</summary>
    private void ResumeWithSlot()
    {
        var state = _state!;
        state.ResumeRequested = false;
        if (IsLive(state))
        {
            MoveTo(RunStatus.Executing);
            state.WakeAt = null;
            SaveInBackground();
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
        var state = _state!;
        foreach (var entry in state.Journal.Where(e => e.IsWait && e.Completed))
        {
            executor.Deliver(state.Id, state.CurrentAttempt!.Number, state.Execution, entry.Key, entry.ToResult());
        }
    }

    /// <summary>The attempt's code has unwound for a suspension: make it durable, or go on if the wait is over.</summary>
    private async Task CompleteSuspensionAsync()
    {
        var state = _state!;
        StopSuspendTimer();
        if (state.Status == RunStatus.Executing || !PendingWaits().Any(ReleasesSlot) || state.ResumeRequested)
        {
            // The wait ended (or the slot came back) while the code unwound: replay straight away.
            if (state.Status == RunStatus.Executing)
            {
                StartExecution(replay: true);
            }
            else
            {
                RequestSlotToResume();
            }

            return;
        }

        await SuspendAsync();
    }

    /// <summary>Makes the waiting run durable with nothing in memory: no owner, and the time to look at it again.</summary>
    private async Task SuspendAsync()
    {
        var state = _state!;
        var pending = PendingWaits();
        var recheck = pending.Any(e => e.IsExternalWait) ? time.GetUtcNow() + s_waitRecheck : DateTimeOffset.MaxValue;
        var wakeAt = pending.Where(e => e.DueAt is not null).Select(e => e.DueAt!.Value).Append(recheck).Min();
        state.Owner = null;
        state.WakeAt = wakeAt == DateTimeOffset.MaxValue ? null : wakeAt;
        _waitTimer?.Dispose();
        _waitTimer = null;
        await SaveAsync();
        LogSuspended(state.Id, wakeAt);

        // A child or token that ended before that save found this run not yet suspended: its final write did not
        // make the run due, and its notice may have been lost. Whatever ends after the save makes the run due. So one
        // look now, after the save, leaves no gap between the two.
        if (pending.Any(e => e.IsExternalWait) && await ReconcileWaitsAsync())
        {
            RequestSlotToResume();
            return;
        }

        if (state.WakeAt is { } due)
        {
            Supervisor.ScheduleAsync(state.Id, due).Ignore();
        }

        LetGo();
    }

    /// <summary>
    /// Lets the activation go once it is idle; not while a caller long-polls for the run's end (the deactivation would
    /// wait for that call, and hold up the resume queued behind it).
    /// </summary>
    private void LetGo()
    {
        DelayDeactivation(TimeSpan.FromMinutes(-1));
        if (_finalWaiters is not { Count: > 0 })
        {
            DeactivateOnIdle();
        }
    }

    /// <summary>The run ends while waits are pending: stop waiting for them, and cancel the children it waited for.</summary>
    private void AbandonWaits(bool cancelChildren)
    {
        var state = _state!;
        _waitTimer?.Dispose();
        _waitTimer = null;
        StopSuspendTimer();
        foreach (var entry in PendingWaits())
        {
            if (entry.Kind == JournalOpKind.WaitToken)
            {
                GrainFactory.GetGrain<IWaitpointTokenGrain>(entry.TokenId!).RemoveWaiterAsync(state.Id).Ignore();
            }
            else if (entry.Kind == JournalOpKind.TriggerAndWait && cancelChildren)
            {
                for (var i = 0; i < entry.ChildRunIds!.Count; i++)
                {
                    if (entry.ChildResults![i] is null)
                    {
                        var child = GrainFactory.GetGrain<IRunGrain>(entry.ChildRunIds[i]);
                        notices.Send(child.CancelAsync, $"cancel of child {entry.ChildRunIds[i]}");
                    }
                }
            }
        }
    }

    /// <summary>The runs waiting for this one's end: the parent that triggered it and waits, and any that matched it by idempotency key.</summary>
    private List<string>? WaitingParents()
    {
        var state = _state!;
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
    /// Tells the runs waiting for this one how it ended, retried until each answers. If a notice is lost all the same
    /// (this silo dies first), the final save has already made a suspended parent due, and a live one reconciles with
    /// its children before it suspends.
    /// </summary>
    private void NotifyParent()
    {
        var state = _state!;
        var result = ToChildResult(state.ToTaskRun());
        if (state.ParentRunId is not null && state.ParentWaitKey is not null)
        {
            Notify(state.ParentRunId, new ChildNotification(state.ParentWaitKey, state.ParentWaitIndex, result));
        }

        foreach (var waiter in state.Waiters)
        {
            Notify(waiter.RunId, new ChildNotification(waiter.WaitKey, waiter.Index, result));
        }

        void Notify(string parentId, ChildNotification notification)
        {
            var parent = GrainFactory.GetGrain<IRunGrain>(parentId);
            notices.Send(() => parent.OnChildFinishedAsync(notification), $"end of {result.RunId} to {parentId}");
        }
    }
}
