namespace OrleansTasks.Runs;

/// <summary>
/// Time and failure: waiting until a moment (in memory, or suspended), resuming from durable state when the moment
/// comes, when a wait ends or when the run's silo died, and handing the run over when this activation goes away.
/// </summary>
internal sealed partial class RunGrain
{
    /// <summary>How long a going-away activation waits for a step in flight before it hands the run over regardless.</summary>
    private static readonly TimeSpan s_drainLimit = TimeSpan.FromSeconds(20);

    private IGrainTimer? _timer;

    public async Task ResumeAsync()
    {
        await EnsureLoadedAsync();
        var state = _state;
        if (state is null || state.Status.IsFinal())
        {
            DeactivateOnIdle();
            return;
        }

        switch (state.Status)
        {
            case RunStatus.Delayed when IsDueLater(state):
                await WaitUntilAsync(state.WakeAt!.Value);
                break;

            case RunStatus.Delayed:
                EnqueueAfterDelay();
                break;

            case RunStatus.Queued or RunStatus.Dequeued when IsDueLater(state):
                await WaitUntilAsync(state.WakeAt!.Value);
                break;

            case RunStatus.Queued or RunStatus.Dequeued:
                if (state.Status == RunStatus.Dequeued)
                {
                    MoveTo(RunStatus.Queued);
                }

                state.WakeAt = null;
                state.Owner = Silo;
                LogResumed(state.Id, state.Status.ToWireName());
                SaveInBackground();
                Dispatch();
                break;

            case RunStatus.Executing or RunStatus.Waiting when IsLive(state):
                // Executing here: a timer or a mistaken supervisor; bring the waits up to date.
                UpdateWaits();
                break;

            case RunStatus.Executing:
                await RecoverExecutionAsync();
                break;

            case RunStatus.Waiting:
                await ResumeWaitingAsync();
                break;
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        StopTimer();
        _waitTimer?.Dispose();
        StopSuspendTimer();
        var state = _state;
        if (state is not null && !state.Status.IsFinal() && IsLive(state))
        {
            // This activation is going away with the attempt's code running: the code is stopped and the run is left
            // for the supervisor to pick up at once elsewhere, which replays it from the journal. A step in flight is
            // let finish first, and every step whose side effect is done is recorded here, so the replay skips it.
            using var drainLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            drainLimit.CancelAfter(s_drainLimit);
            var steps = await executor.AbandonAsync(state.Id, state.CurrentAttempt!.Number, drainLimit.Token);
            foreach (var step in steps)
            {
                RecordDrainedStep(step);
            }

            LogHandedOver(state.Id, reason.Description);
            state.Owner = null;
            state.WakeAt = time.GetUtcNow();
            state.HandedOver = true;
            await SaveAsync();
        }
        else if (state is { Owner: not null } && !state.Status.IsFinal() && state.WakeAt is not null)
        {
            // A wait held in memory dies with this activation: suspend it so the supervisor wakes it.
            state.Owner = null;
            await SaveAsync();
        }

        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    /// <summary>
    /// The run was executing but its code runs nowhere (its silo died, or its activation went away): replay the
    /// attempt from its journal. An attempt that keeps dying with its silo counts as crashed after a few tries.
    /// </summary>
    private async Task RecoverExecutionAsync()
    {
        var state = _state!;

        // If this fails (a child out of reach), nothing is counted: the supervisor tries again after a backoff.
        await ReconcileWaitsAsync();
        if (state.HandedOver)
        {
            state.HandedOver = false;
        }
        else if (++state.CrashRecoveries > MaxCrashRecoveries)
        {
            await CrashAttemptAsync($"its silo stopped {MaxCrashRecoveries} times while it executed");
            return;
        }

        LogRecovering(state.Id, state.CurrentAttempt!.Number, state.CrashRecoveries);
        StartExecution(replay: true);
    }

    /// <summary>A step the going-away execution finished but may not have recorded: record it, unless it already is.</summary>
    private void RecordDrainedStep(Execution.RunContext.StepRecord step)
    {
        var state = _state!;
        if (state.FindEntry(step.Key) is not null)
        {
            return;
        }

        var entry = new Journal.JournalEntry
        {
            Key = step.Key,
            Seq = state.Journal.Count,
            Kind = JournalOpKind.Step,
            Name = step.Name,
            CreatedAt = time.GetUtcNow(),
            ResultJson = step.ResultJson,
        };
        Complete(entry);
        state.Journal.Add(entry);
    }

    /// <summary>A waiting run with no live code: go on if what it waits for has come, else suspend until it does.</summary>
    private async Task ResumeWaitingAsync()
    {
        var state = _state!;
        var completed = await ReconcileWaitsAsync();
        var pending = PendingWaits();
        if (completed || state.ResumeRequested || !pending.Any(ReleasesSlot))
        {
            RequestSlotToResume();
        }
        else if (pending.Any(e => e.DueAt is { } due && due - time.GetUtcNow() <= Maintenance.RunSupervisorGrain.WakeEarly * 2))
        {
            // Woken just before its moment: wait the last moments in memory rather than suspend again.
            state.Owner = Silo;
            ArmWaitTimer(pending);
        }
        else
        {
            await SuspendAsync();
        }
    }

    /// <summary>The attempt ended with its silo: it counts as crashed, and the run retries by its policy.</summary>
    private async Task CrashAttemptAsync(string why)
    {
        var state = _state!;
        var number = state.CurrentAttempt?.Number ?? 0;
        var error = new TaskRunError("OrleansTasks.AttemptCrashed", $"Attempt {number} crashed: {why}.", Code: TaskRunErrorCodes.Crashed);
        CloseAttempt(AttemptStatus.Crashed, error);
        LogAttemptCrashed(state.Id, number, why);
        await FailAttemptAsync(error, retryable: true, RunStatus.Crashed);
    }

    /// <summary>
    /// Holds the run until <paramref name="wakeAt"/>, durably. A short wait keeps a timer in this activation; a long
    /// one (or any wait when the activation is going away) suspends: the run is saved with no owner and the time it
    /// is due, and the supervisor wakes it.
    /// </summary>
    private async Task WaitUntilAsync(DateTimeOffset wakeAt, bool deactivating = false)
    {
        var state = _state!;
        var delay = wakeAt - time.GetUtcNow();
        state.WakeAt = wakeAt;
        if (delay < _options.SuspendThreshold && !deactivating)
        {
            state.Owner = Silo;
            ArmTimer(delay < TimeSpan.Zero ? TimeSpan.Zero : delay);
            await SaveAsync();
            return;
        }

        state.Owner = null;
        StopTimer();
        await SaveAsync();
        LogSuspended(state.Id, wakeAt);
        if (!deactivating)
        {
            // When this activation is going away (its silo may be too), the supervisor's next scan finds the run instead.
            Supervisor.ScheduleAsync(state.Id, wakeAt).Ignore();
            LetGo();
        }
    }

    private void ArmTimer(TimeSpan due)
    {
        StopTimer();
        _timer = this.RegisterGrainTimer(
            static (grain, _) => grain.OnTimerAsync(),
            this,
            new GrainTimerCreationOptions(due, Timeout.InfiniteTimeSpan) { KeepAlive = true });
    }

    private void StopTimer()
    {
        _timer?.Dispose();
        _timer = null;
    }

    private Task OnTimerAsync()
    {
        StopTimer();
        return ResumeAsync();
    }
}
