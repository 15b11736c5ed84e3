namespace OrleansTasks.Runs;

/// <summary>
/// The moves a run's status may make. The run grain checks every change against this table, so a bug or a late
/// message can never move a run backwards or out of a final status.
/// </summary>
internal static class RunTransitions
{
    public static bool IsAllowed(RunStatus from, RunStatus to) => from switch
    {
        _ when from.IsFinal() => false,
        // A delayed run that asked its queue ahead takes its slot at its moment: it is seen going straight to EXECUTING
        // (as a queued run granted at once is seen skipping DEQUEUED).
        RunStatus.Delayed => to is RunStatus.Queued or RunStatus.Executing or RunStatus.Canceled or RunStatus.Expired or RunStatus.SystemFailure,
        RunStatus.Queued => to is RunStatus.Queued or RunStatus.Dequeued or RunStatus.Executing or RunStatus.Canceled
            or RunStatus.Expired or RunStatus.Crashed or RunStatus.SystemFailure or RunStatus.Failed,
        RunStatus.Dequeued => to is RunStatus.Executing or RunStatus.Queued or RunStatus.Canceled or RunStatus.SystemFailure,
        RunStatus.Executing => to is RunStatus.Queued or RunStatus.Waiting or RunStatus.Completed or RunStatus.Failed
            or RunStatus.Canceled or RunStatus.TimedOut or RunStatus.Crashed or RunStatus.SystemFailure,
        RunStatus.Waiting => to is RunStatus.Queued or RunStatus.Executing or RunStatus.Completed or RunStatus.Canceled
            or RunStatus.Failed or RunStatus.TimedOut or RunStatus.Crashed or RunStatus.SystemFailure,
        _ => false,
    };

    /// <exception cref="InvalidOperationException">The move is not allowed.</exception>
    public static void Ensure(string runId, RunStatus from, RunStatus to)
    {
        if (!IsAllowed(from, to))
        {
            throw new InvalidOperationException($"Run {runId} cannot move from {from.ToWireName()} to {to.ToWireName()}.");
        }
    }
}
