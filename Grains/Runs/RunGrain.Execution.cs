using OrleansTasks.Execution;
using OrleansTasks.Queues;
using OrleansTasks.Storage;

namespace OrleansTasks.Runs;

/// <summary>Getting a slot, running attempts and their executions, and what each execution's end does to the run.</summary>
internal sealed partial class RunGrain
{
    private static readonly TimeSpan s_finalLinger = TimeSpan.FromSeconds(5);

    public async Task GrantSlotAsync(DateTimeOffset grantedAt)
    {
        await EnsureLoadedAsync();
        var state = _state;
        if (state is { Status: RunStatus.Queued } or { Status: RunStatus.Waiting, ResumeRequested: true } && !machines.Serves(state.Machine))
        {
            // The grant reached an activation on a silo that does not serve the run's preset (it was placed here
            // again after it moved): hand the slot back and go where the preset is served; the run asks again there.
            await Queue(state).ReleaseAsync(state.Id);
            RouteToMachine();
        }
        else if (state is { Status: RunStatus.Queued } && !IsDueLater(state))
        {
            if (IsExpired(state))
            {
                await ExpireNowAsync();
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
        else if (state is not null && state.Status is not (RunStatus.Dequeued or RunStatus.Executing))
        {
            // Not waiting for a slot (cancelled meanwhile, or a stale grant): hand it straight back.
            await Queue(state).ReleaseAsync(state.Id);
        }
    }

    public async Task ReportAttemptAsync(AttemptOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        await EnsureLoadedAsync();
        var state = _state;
        if (state is not { Status: RunStatus.Executing or RunStatus.Waiting } || state.CurrentAttempt is not { Status: AttemptStatus.Executing } attempt
            || attempt.Number != outcome.Attempt || state.Execution != outcome.Execution)
        {
            LogStaleReport(RunId, outcome.Attempt, state?.Status.ToWireName() ?? "(none)");
            return;
        }

        switch (outcome.Kind)
        {
            case AttemptOutcomeKind.Suspended:
                foreach (var key in outcome.UnwoundWaits ?? [])
                {
                    state.FindEntry(key)?.Unwound = true;
                }

                await CompleteSuspensionAsync();
                break;
            case AttemptOutcomeKind.Succeeded:
                CloseAttempt(AttemptStatus.Completed, error: null, outcome.EndedAt);
                await FinishAsync(RunStatus.Completed, outcome.OutputJson, error: null);
                break;
            case AttemptOutcomeKind.TimedOut:
                CloseAttempt(AttemptStatus.TimedOut, outcome.Error, outcome.EndedAt);
                await FinishAsync(RunStatus.TimedOut, outputJson: null, outcome.Error);
                break;
            case AttemptOutcomeKind.Canceled:
                CloseAttempt(AttemptStatus.Canceled, outcome.Error, outcome.EndedAt);
                await FinishAsync(RunStatus.Canceled, outputJson: null, error: null);
                break;
            default:
                CloseAttempt(AttemptStatus.Failed, outcome.Error, outcome.EndedAt);
                await FailAttemptAsync(outcome.Error, outcome.Retryable, RunStatus.Failed, retryAt: outcome.RetryAt);
                break;
        }
    }

    /// <summary>
    /// Sends the run into its queue. The queue answers with a grant (a one-way call back), so neither grain ever waits
    /// on the other.
    /// </summary>
    private void Dispatch()
    {
        var state = _state!;
        if (!machines.Serves(state.Machine))
        {
            RouteToMachine();
            return;
        }

        state.WaitingFor = null;
        var queue = Queue(state);
        var ticket = new QueueTicket(state.Id, state.ConcurrencyKey, state.QueueOrder, state.Attempts.Count == 0 ? state.ExpiresAt : null);
        notices.Send(() => queue.EnqueueAsync(ticket), $"enqueue of {state.Id}");
    }

    /// <summary>A new attempt: a fresh journal, and its first execution.</summary>
    private void StartAttempt(DateTimeOffset? grantedAt = null)
    {
        var state = _state!;
        var now = time.GetUtcNow();
        MoveTo(RunStatus.Dequeued);
        var number = state.Attempts.Count + 1;
        state.Attempts.Add(new RunAttempt(number, AttemptStatus.Executing, now, EndedAt: null, Error: null, Silo, grantedAt));
        state.StartedAt ??= now;
        state.ExpiresAt = null;
        state.Journal.Clear();
        state.Execution = 0;
        state.CrashRecoveries = 0;
        StartExecution(replay: false);
        LogAttemptStarted(state.Id, number);
    }

    /// <summary>
    /// Runs the current attempt's code: its first execution, or a replay over its journal (after the run resumed, or
    /// after the silo executing it died).
    /// </summary>
    private void StartExecution(bool replay)
    {
        var state = _state!;
        if (state.Status != RunStatus.Executing)
        {
            MoveTo(RunStatus.Executing);
        }

        if (replay)
        {
            state.Execution++;
            LogReplaying(state.Id, state.CurrentAttempt!.Number, state.Execution, state.Journal.Count);
        }

        state.ResumeRequested = false;
        state.WakeAt = null;
        state.Owner = Silo;

        // The execution starts now; the record of it starting is committed alongside other runs' writes. If this
        // silo dies before that commit, the run is found again by its owner and simply starts (or replays) anew.
        SaveInBackground();
        DelayDeactivation(TimeSpan.FromDays(365));
        var journal = state.Journal.ToDictionary(e => e.Key, e => new RecordedOp(e.Kind, e.Name, e.ToResult(), e.Unwound), StringComparer.Ordinal);
        executor.Start(Request(state, journal));
        UpdateWaits();
    }

    private static AttemptRequest Request(RunState state, IReadOnlyDictionary<string, RecordedOp> journal, TaskFailure? finalFailure = null) =>
        new(state.Id, state.TaskId, state.CurrentAttempt?.Number ?? 0, state.Execution, state.PayloadJson, [.. state.Tags], state.Queue,
            state.Machine, state.CreatedAt, state.MaxDuration, journal)
        {
            Retry = state.Retry,
            MaxAttempts = state.MaxAttempts,
            TraceParent = state.TraceParent,
            FinalFailure = finalFailure,
        };

    private void CloseAttempt(AttemptStatus status, TaskRunError? error, DateTimeOffset? endedAt = null)
    {
        var state = _state!;
        if (state.CurrentAttempt is { Status: AttemptStatus.Executing } attempt)
        {
            state.Attempts[^1] = attempt with { Status = status, EndedAt = endedAt ?? time.GetUtcNow(), Error = error };
        }
    }

    /// <summary>The attempt failed: retry by the policy (a new attempt, a fresh journal), or end the run with <paramref name="finalStatus"/>.</summary>
    private async Task FailAttemptAsync(TaskRunError? error, bool retryable, RunStatus finalStatus, bool deactivating = false, DateTimeOffset? retryAt = null)
    {
        var state = _state!;
        var failed = state.Attempts.Count;
        if (!retryable || failed >= state.MaxAttempts)
        {
            await FinishAsync(finalStatus, outputJson: null, error);
            return;
        }

        // The executor decided when (the policy's delay, or CatchErrorAsync's); a crash found here uses the policy.
        var now = time.GetUtcNow();
        var due = retryAt ?? now + state.Retry.GetDelay(failed, Random.Shared.NextDouble());
        var inQueue = state.Status.HoldsSlot() || state.ResumeRequested;
        AbandonWaits(cancelChildren: false);
        state.Error = error;
        MoveTo(RunStatus.Queued);
        state.ResumeRequested = false;
        if (inQueue)
        {
            ReleaseSlot();
        }

        LogRetryScheduled(state.Id, failed + 1, due - now);
        await WaitUntilAsync(due, deactivating);
    }

    private async Task FinishAsync(RunStatus status, string? outputJson, TaskRunError? error)
    {
        var state = _state!;
        // In the queue one way or another: holding a slot, waiting in the backlog, or waiting to take a slot back.
        var holdsSlot = state.Status.HoldsSlot() || state.Status == RunStatus.Queued || state.ResumeRequested;
        AbandonWaits(cancelChildren: status == RunStatus.Canceled);
        MoveTo(status);
        state.FinishedAt = state.UpdatedAt;
        state.OutputJson = outputJson;
        state.Error = status == RunStatus.Completed ? null : error;
        state.WakeAt = null;
        state.Owner = null;
        state.ResumeRequested = false;
        if (holdsSlot)
        {
            ReleaseSlot();
        }

        StopTimer();

        // The parents waiting for this run are made due in the same commit: if the notice below is lost with a silo,
        // the wake-up index still moves them on within seconds.
        await SaveAsync(WaitingParents());
        LogFinished(state.Id, status.ToWireName(), state.Attempts.Count);
        RunFinalHooks(status, error);
        NotifyFinal();
        NotifyParent();

        // A final run needs no activation, but a caller polling for the end usually asks moments after it came:
        // linger briefly to answer from memory, then go (a later read loads the run again).
        DelayDeactivation(TimeSpan.FromMinutes(-1));
        _timer = this.RegisterGrainTimer(
            static grain =>
            {
                grain.DeactivateOnIdle();
                return Task.CompletedTask;
            },
            this,
            new GrainTimerCreationOptions(s_finalLinger, Timeout.InfiniteTimeSpan));
    }

    /// <summary>
    /// A run that ended without its code running here (crashed; cancelled while queued, delayed or waiting) still gets
    /// its failure hooks. When the cancel reached running code, the execution runs them itself as it stops, and only it.
    /// </summary>
    private void RunFinalHooks(RunStatus status, TaskRunError? error)
    {
        var state = _state!;
        if (status is not (RunStatus.Canceled or RunStatus.Crashed or RunStatus.SystemFailure) || _executionRunsFinalHooks)
        {
            return;
        }

        error ??= new TaskRunError("OrleansTasks.RunCanceled", "The run was cancelled.", Code: TaskRunErrorCodes.Cancelled);
        executor.RunFinalHooks(Request(state, new Dictionary<string, RecordedOp>(), new TaskFailure(status, error, Exception: null)));
    }

    private void ReleaseSlot()
    {
        var queue = Queue(_state!);
        var runId = _state!.Id;
        notices.Send(() => queue.ReleaseAsync(runId), $"release of {runId}");
    }

    private bool IsDueLater(RunState state) => state.WakeAt is { } wakeAt && wakeAt > time.GetUtcNow();
}
