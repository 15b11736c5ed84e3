namespace OrleansTasks;

/// <summary>
/// Where a run is in its life. The names and meanings are Trigger.dev's; on the wire and in JSON they are
/// written in its upper snake case (<c>QUEUED</c>, <c>TIMED_OUT</c>).
/// </summary>
[GenerateSerializer, Alias("ot.RunStatus")]
public enum RunStatus
{
    /// <summary>Not queued yet: a delay or debounce has not elapsed.</summary>
    Delayed = 1,

    /// <summary>Waiting in its queue for a concurrency slot, or for its next attempt to be due.</summary>
    Queued = 2,

    /// <summary>Taken from its queue, holding a slot, about to execute.</summary>
    Dequeued = 3,

    /// <summary>An attempt is running.</summary>
    Executing = 4,

    /// <summary>Suspended on a waitpoint; holds no concurrency slot.</summary>
    Waiting = 5,

    /// <summary>Finished successfully (final).</summary>
    Completed = 10,

    /// <summary>Cancelled by a user (final).</summary>
    Canceled = 11,

    /// <summary>The task's code failed on its last attempt, or was aborted (final).</summary>
    Failed = 12,

    /// <summary>The process running the attempt died and no attempts were left (final).</summary>
    Crashed = 13,

    /// <summary>An unrecoverable platform error (final).</summary>
    SystemFailure = 14,

    /// <summary>Its time to live ran out before it started (final).</summary>
    Expired = 15,

    /// <summary>An attempt ran past the task's maximum duration (final).</summary>
    TimedOut = 16,
}

/// <summary>Helpers that classify a <see cref="RunStatus"/> the way Trigger.dev's <c>isCompleted</c>, <c>isFailed</c>… do.</summary>
public static class RunStatusExtensions
{
    /// <summary>True when the run can no longer change: completed, cancelled or failed in any way.</summary>
    public static bool IsFinal(this RunStatus status) => status >= RunStatus.Completed;

    /// <summary>True for the final statuses that mean the run did not succeed and was not cancelled.</summary>
    public static bool IsFailure(this RunStatus status) =>
        status is RunStatus.Failed or RunStatus.Crashed or RunStatus.SystemFailure or RunStatus.Expired or RunStatus.TimedOut;

    /// <summary>True while the run holds a concurrency slot (<c>DEQUEUED</c> or <c>EXECUTING</c>).</summary>
    public static bool HoldsSlot(this RunStatus status) => status is RunStatus.Dequeued or RunStatus.Executing;

    /// <summary>The Trigger.dev name of the status, such as <c>TIMED_OUT</c>.</summary>
    public static string ToWireName(this RunStatus status) => status switch
    {
        RunStatus.Delayed => "DELAYED",
        RunStatus.Queued => "QUEUED",
        RunStatus.Dequeued => "DEQUEUED",
        RunStatus.Executing => "EXECUTING",
        RunStatus.Waiting => "WAITING",
        RunStatus.Completed => "COMPLETED",
        RunStatus.Canceled => "CANCELED",
        RunStatus.Failed => "FAILED",
        RunStatus.Crashed => "CRASHED",
        RunStatus.SystemFailure => "SYSTEM_FAILURE",
        RunStatus.Expired => "EXPIRED",
        RunStatus.TimedOut => "TIMED_OUT",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Unknown run status."),
    };

    /// <summary>Parses a Trigger.dev status name such as <c>QUEUED</c>.</summary>
    /// <exception cref="ArgumentException">The name is not a run status.</exception>
    public static RunStatus ParseWireName(string name) => name switch
    {
        "DELAYED" => RunStatus.Delayed,
        "QUEUED" => RunStatus.Queued,
        "DEQUEUED" => RunStatus.Dequeued,
        "EXECUTING" => RunStatus.Executing,
        "WAITING" => RunStatus.Waiting,
        "COMPLETED" => RunStatus.Completed,
        "CANCELED" => RunStatus.Canceled,
        "FAILED" => RunStatus.Failed,
        "CRASHED" => RunStatus.Crashed,
        "SYSTEM_FAILURE" => RunStatus.SystemFailure,
        "EXPIRED" => RunStatus.Expired,
        "TIMED_OUT" => RunStatus.TimedOut,
        _ => throw new ArgumentException($"'{name}' is not a run status.", nameof(name)),
    };
}
