using OrleansTasks.Execution;
using OrleansTasks.Storage;

namespace OrleansTasks.Runs;

/// <summary>Getting a slot, running attempts, and what each attempt's end does to the run.</summary>
internal sealed partial class RunGrain
{
    private static readonly TimeSpan s_finalLinger = TimeSpan.FromSeconds(5);

    public async Task GrantSlotAsync()
    {
        await EnsureLoadedAsync();
        var state = _state;
        if (state is { Status: RunStatus.Queued } && !IsDueLater(state))
        {
            StartAttempt();
        }
        else if (state is not { Status: RunStatus.Dequeued or RunStatus.Executing })
        {
            // Not waiting for a slot (cancelled meanwhile, or a stale grant): hand it straight back.
            if (state is not null)
            {
                await Queue(state).ReleaseAsync(state.Id);
            }
        }
    }

    public async Task ReportAttemptAsync(AttemptOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        await EnsureLoadedAsync();
        var state = _state;
        if (state is not { Status: RunStatus.Executing } || state.CurrentAttempt is not { Status: AttemptStatus.Executing } attempt
            || attempt.Number != outcome.Attempt)
        {
            LogStaleReport(RunId, outcome.Attempt, state?.Status.ToWireName() ?? "(none)");
            return;
        }

        switch (outcome.Kind)
        {
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
                await FailAttemptAsync(outcome.Error, outcome.Retryable, RunStatus.Failed);
                break;
        }
    }

    /// <summary>Sends the run on: into its queue, or straight to execution when its queue has no limit.</summary>
    private void Dispatch()
    {
        var state = _state!;
        if (IsQueueLimited(state))
        {
            // The queue answers with a grant (a one-way call back), so neither grain ever waits on the other.
            Queue(state).EnqueueAsync(state.Id, state.QueueOrder).Ignore();
        }
        else
        {
            StartAttempt();
        }
    }

    private void StartAttempt()
    {
        var state = _state!;
        var now = time.GetUtcNow();
        MoveTo(RunStatus.Dequeued);
        MoveTo(RunStatus.Executing);
        var number = state.Attempts.Count + 1;
        state.Attempts.Add(new RunAttempt(number, AttemptStatus.Executing, now, EndedAt: null, Error: null, Silo));
        state.StartedAt ??= now;
        state.WakeAt = null;
        state.Owner = Silo;

        // The attempt starts now; the record of it starting is committed alongside other runs' writes. If this
        // silo dies before that commit, the run is found again by its owner and the attempt simply starts anew.
        SaveInBackground();
        DelayDeactivation(TimeSpan.FromDays(365));
        executor.Start(new AttemptRequest(
            state.Id, state.TaskId, number, state.PayloadJson, [.. state.Tags], state.Queue, state.Machine, state.CreatedAt, state.MaxDuration));
        LogAttemptStarted(state.Id, number);
    }

    private void CloseAttempt(AttemptStatus status, TaskRunError? error, DateTimeOffset? endedAt = null)
    {
        var state = _state!;
        if (state.CurrentAttempt is { Status: AttemptStatus.Executing } attempt)
        {
            state.Attempts[^1] = attempt with { Status = status, EndedAt = endedAt ?? time.GetUtcNow(), Error = error };
        }
    }

    /// <summary>The attempt failed: retry by the policy, or end the run with <paramref name="finalStatus"/>.</summary>
    private async Task FailAttemptAsync(TaskRunError? error, bool retryable, RunStatus finalStatus, bool deactivating = false)
    {
        var state = _state!;
        var failed = state.Attempts.Count;
        if (!retryable || failed >= state.MaxAttempts)
        {
            await FinishAsync(finalStatus, outputJson: null, error);
            return;
        }

        var delay = state.Retry.GetDelay(failed, Random.Shared.NextDouble());
        state.Error = error;
        MoveTo(RunStatus.Queued);
        ReleaseSlot();
        LogRetryScheduled(state.Id, failed + 1, delay);
        await WaitUntilAsync(time.GetUtcNow() + delay, deactivating);
    }

    private async Task FinishAsync(RunStatus status, string? outputJson, TaskRunError? error)
    {
        var state = _state!;
        var holdsSlot = state.Status.HoldsSlot() || state.Status == RunStatus.Queued;
        MoveTo(status);
        state.FinishedAt = state.UpdatedAt;
        state.OutputJson = outputJson;
        state.Error = status == RunStatus.Completed ? null : error;
        state.WakeAt = null;
        state.Owner = null;
        if (holdsSlot)
        {
            ReleaseSlot();
        }

        StopTimer();
        await SaveAsync();
        LogFinished(state.Id, status.ToWireName(), state.Attempts.Count);
        NotifyFinal();

        // A final run needs no activation, but a caller polling for the end usually asks moments after it came:
        // linger briefly to answer from memory, then go (a later read loads the run again).
        DelayDeactivation(TimeSpan.FromMinutes(-1));
        StopTimer();
        _timer = this.RegisterGrainTimer(
            static grain =>
            {
                grain.DeactivateOnIdle();
                return Task.CompletedTask;
            },
            this,
            new GrainTimerCreationOptions(s_finalLinger, Timeout.InfiniteTimeSpan));
    }

    private void ReleaseSlot()
    {
        var state = _state!;
        if (IsQueueLimited(state))
        {
            Queue(state).ReleaseAsync(state.Id).Ignore();
        }
    }

    private bool IsDueLater(RunState state) => state.WakeAt is { } wakeAt && wakeAt > time.GetUtcNow();
}
