namespace OrleansTasks.Runs;

/// <summary>
/// Time and failure: waiting until a moment (in memory, or suspended), resuming from durable state when the
/// moment comes or when the run's silo died, and handing the run over when this activation goes away.
/// </summary>
internal sealed partial class RunGrain
{
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

            case RunStatus.Executing when state.CurrentAttempt is { Status: AttemptStatus.Executing } attempt
                                          && executor.IsRunning(state.Id, attempt.Number):
                // Still executing here; whoever resumed us was mistaken about this silo.
                break;

            case RunStatus.Executing:
                await CrashAttemptAsync("the silo executing it stopped before the attempt ended");
                break;
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        StopTimer();
        var state = _state;
        if (state is { Status: RunStatus.Executing } && state.CurrentAttempt is { Status: AttemptStatus.Executing } attempt
            && executor.IsRunning(state.Id, attempt.Number))
        {
            // This silo is going away with the attempt unfinished: record the crash and hand the retry to the supervisor.
            executor.Abandon(state.Id, attempt.Number);
            await CrashAttemptAsync($"the silo executing it shut down ({reason.Description})", deactivating: true);
        }
        else if (state is { Owner: not null } && !state.Status.IsFinal() && state.WakeAt is not null)
        {
            // A wait held in memory dies with this activation: suspend it so the supervisor wakes it.
            state.Owner = null;
            await SaveAsync();
        }

        await base.OnDeactivateAsync(reason, cancellationToken);
    }

    /// <summary>The attempt ended with its silo: it counts as crashed, and the run retries by its policy.</summary>
    private async Task CrashAttemptAsync(string why, bool deactivating = false)
    {
        var state = _state!;
        var number = state.CurrentAttempt?.Number ?? 0;
        var error = new TaskRunError("OrleansTasks.AttemptCrashed", $"Attempt {number} crashed: {why}.", Code: TaskRunErrorCodes.Crashed);
        CloseAttempt(AttemptStatus.Crashed, error);
        LogAttemptCrashed(state.Id, number, why);
        await FailAttemptAsync(error, retryable: true, RunStatus.Crashed, deactivating);
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
            DelayDeactivation(TimeSpan.FromMinutes(-1));
            DeactivateOnIdle();
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
