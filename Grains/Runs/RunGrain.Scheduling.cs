namespace OrleansTasks.Runs;

/// <summary>
/// When a run may start: a delay (<c>DELAYED</c> until due, and rescheduling), debouncing, its time to live in the
/// queue (<c>EXPIRED</c>), and the parents that wait on it through an idempotency key.
/// </summary>
internal sealed partial class RunGrain
{
    public async Task<TaskRun> RescheduleAsync(DateTimeOffset delayUntil)
    {
        var state = await LoadExistingAsync();
        if (state.Status != RunStatus.Delayed)
        {
            throw new InvalidRunOperationException(state.Id, state.Status,
                $"Run {state.Id} is {state.Status.ToWireName()}; only a DELAYED run can be rescheduled.");
        }

        LogRescheduled(state.Id, delayUntil);
        if (delayUntil <= time.GetUtcNow())
        {
            EnqueueAfterDelay();
        }
        else
        {
            await WaitUntilAsync(delayUntil);
        }

        return state.ToTaskRun();
    }

    public async Task<RunHandle?> DebounceAsync(TriggerRequest request, DateTimeOffset delayUntil)
    {
        ArgumentNullException.ThrowIfNull(request);
        await EnsureLoadedAsync();
        var state = _state;
        if (state is not { Status: RunStatus.Delayed })
        {
            return null; // Started (or gone) already: the trigger makes a new run.
        }

        var options = request.Options ?? new TriggerOptions();
        if (options.Debounce is { Mode: DebounceMode.Trailing })
        {
            // The latest trigger's payload and options win.
            var descriptor = registry.Resolve(state.TaskId, null);
            TriggerValidation.Validate(state.TaskId, request.PayloadJson, options);
            state.PayloadJson = request.PayloadJson;
            state.PayloadChanged = true;
            state.Tags = [.. options.Tags ?? []];
            state.MaxAttempts = options.MaxAttempts ?? descriptor.Retry.MaxAttempts;
            state.MaxDuration = options.MaxDuration ?? descriptor.MaxDuration;
            state.Machine = options.Machine ?? descriptor.Machine;
        }

        var due = state.DebounceDeadline is { } deadline && delayUntil > deadline ? deadline : delayUntil;
        LogDebounced(state.Id, due);
        await WaitUntilAsync(due);
        return new RunHandle(state.Id, state.TaskId, IsCached: true);
    }

    public async Task<TaskRun> AddWaiterAsync(string parentRunId, string waitKey, int index)
    {
        var state = await LoadExistingAsync();
        if (!state.Status.IsFinal() && !state.Waiters.Exists(w => w.RunId == parentRunId && w.WaitKey == waitKey && w.Index == index))
        {
            state.Waiters.Add(new Storage.RunWaiter(parentRunId, waitKey, index));
            await SaveAsync();
        }

        return state.ToTaskRun();
    }

    public async Task ExpireAsync()
    {
        await EnsureLoadedAsync();
        if (_state is { Status: RunStatus.Queued } state && IsExpired(state))
        {
            await ExpireNowAsync();
        }
    }

    /// <summary>Right after the trigger: a delayed run waits for its moment, in memory or suspended.</summary>
    private void HoldUntilDue()
    {
        var state = _state!;
        if (state.Owner is null)
        {
            Supervisor.ScheduleAsync(state.Id, state.WakeAt!.Value).Ignore();
            LetGo();
        }
        else
        {
            var delay = state.WakeAt!.Value - time.GetUtcNow();
            ArmTimer(delay < TimeSpan.Zero ? TimeSpan.Zero : delay);
        }
    }

    /// <summary>The delay is over: the run enters its queue now, and its time to live starts counting.</summary>
    private void EnqueueAfterDelay()
    {
        var state = _state!;
        MoveTo(RunStatus.Queued);
        Enqueued(state, time.GetUtcNow());
        state.WakeAt = null;
        state.Owner = Silo;
        StopTimer();
        SaveInBackground();
        Dispatch();
    }

    private bool IsExpired(Storage.RunState state) =>
        state.Attempts.Count == 0 && state.ExpiresAt is { } expiresAt && expiresAt <= time.GetUtcNow();

    private Task ExpireNowAsync()
    {
        var state = _state!;
        LogExpired(state.Id, state.Ttl);
        var error = new TaskRunError(
            "OrleansTasks.RunExpired",
            $"The run was not started within its time to live of {state.Ttl}.",
            Code: TaskRunErrorCodes.Expired);
        return FinishAsync(RunStatus.Expired, outputJson: null, error);
    }
}
