namespace OrleansTasks;

/// <summary>The stable codes of <see cref="OrleansTasksException.Code"/>, one per kind of error.</summary>
public static class OrleansTasksErrorCodes
{
    /// <summary>A call's argument or request is not valid (<see cref="InvalidRequestException"/>).</summary>
    public const string InvalidRequest = "invalid_request";

    /// <summary>A task's, queue's or silo's setting is not valid (<see cref="InvalidConfigurationException"/>).</summary>
    public const string InvalidConfiguration = "invalid_configuration";

    /// <summary>A trigger's payload or option is not valid (<see cref="InvalidTriggerException"/>).</summary>
    public const string InvalidTrigger = "invalid_trigger";

    /// <summary>A payload failed the task's validation (<see cref="PayloadValidationException"/>).</summary>
    public const string InvalidPayload = "invalid_payload";

    /// <summary>A payload is over the size limit (<see cref="PayloadTooLargeException"/>).</summary>
    public const string PayloadTooLarge = "payload_too_large";

    /// <summary>A change would make a run's metadata larger than allowed (<see cref="MetadataTooLargeException"/>).</summary>
    public const string MetadataTooLarge = "metadata_too_large";

    /// <summary>A batch has more items than allowed (<see cref="BatchTooLargeException"/>).</summary>
    public const string BatchTooLarge = "batch_too_large";

    /// <summary>No task has the id or type (<see cref="UnknownTaskException"/>).</summary>
    public const string UnknownTask = "unknown_task";

    /// <summary>No run has the id (<see cref="RunNotFoundException"/>).</summary>
    public const string RunNotFound = "run_not_found";

    /// <summary>The run's status does not allow the operation (<see cref="InvalidRunOperationException"/>).</summary>
    public const string InvalidRunOperation = "invalid_run_operation";

    /// <summary>No queue has the name (<see cref="QueueNotFoundException"/>).</summary>
    public const string QueueNotFound = "queue_not_found";

    /// <summary>No waitpoint token has the id (<see cref="WaitpointNotFoundException"/>).</summary>
    public const string WaitpointNotFound = "waitpoint_not_found";

    /// <summary>The waitpoint token was completed already, with other data (<see cref="WaitpointAlreadyCompletedException"/>).</summary>
    public const string WaitpointAlreadyCompleted = "waitpoint_already_completed";

    /// <summary>A waitpoint token timed out before it was completed (<c>WaitpointTimeoutException</c>).</summary>
    public const string WaitpointTimedOut = "waitpoint_timed_out";

    /// <summary>A replay made another durable operation than the journal holds (<see cref="NonDeterminismException"/>).</summary>
    public const string NonDeterminism = "non_determinism";

    /// <summary>The task ended its run on purpose (<c>AbortTaskRunException</c>).</summary>
    public const string TaskAborted = "task_aborted";

    /// <summary>A child run did not complete and its result was unwrapped (<c>SubtaskUnwrapException</c>).</summary>
    public const string SubtaskFailed = "subtask_failed";

    /// <summary>No silo answered within the client's retry bound (<see cref="ClusterUnavailableException"/>).</summary>
    public const string ClusterUnavailable = "cluster_unavailable";

    /// <summary>The database failed the operation (<see cref="StorageException"/>).</summary>
    public const string Storage = "storage";

    /// <summary>A write would break a data stream's limits (<see cref="StreamLimitException"/>).</summary>
    public const string StreamLimitExceeded = "stream_limit_exceeded";

    /// <summary>No schedule has the id (<see cref="ScheduleNotFoundException"/>).</summary>
    public const string ScheduleNotFound = "schedule_not_found";
}
