namespace OrleansTasks;

/// <summary>
/// An error recorded on a run or an attempt: the exception's type, message and stack, and for errors the platform
/// raised itself, a code from <see cref="TaskRunErrorCodes"/>.
/// </summary>
/// <param name="Type">The full name of the exception type, such as <c>System.InvalidOperationException</c>.</param>
/// <param name="Message">The exception's message.</param>
/// <param name="StackTrace">The stack trace where the error was thrown, if there was one.</param>
/// <param name="Code">A <see cref="TaskRunErrorCodes"/> value when the platform raised the error; null for errors from task code.</param>
[GenerateSerializer, Immutable, Alias("ot.TaskRunError")]
public sealed record TaskRunError(string Type, string Message, string? StackTrace = null, string? Code = null)
{
    /// <summary>Records an exception, unwrapping <see cref="AggregateException"/>s with a single inner exception.</summary>
    public static TaskRunError FromException(Exception exception, string? code = null)
    {
        ArgumentNullException.ThrowIfNull(exception);
        while (exception is AggregateException { InnerExceptions.Count: 1 } aggregate)
        {
            exception = aggregate.InnerExceptions[0];
        }

        return new TaskRunError(exception.GetType().FullName ?? exception.GetType().Name, exception.Message, exception.StackTrace, code);
    }

    /// <inheritdoc />
    public override string ToString() => Code is null ? $"{Type}: {Message}" : $"{Code} {Type}: {Message}";
}

/// <summary>Codes of the errors the platform records itself (Trigger.dev's internal error codes where one exists).</summary>
public static class TaskRunErrorCodes
{
    /// <summary>The payload could not be deserialized into the task's payload type.</summary>
    public const string InvalidPayload = "TASK_PAYLOAD_PARSE_ERROR";

    /// <summary>The task threw <c>AbortTaskRunException</c>.</summary>
    public const string Aborted = "TASK_RUN_ABORTED";

    /// <summary>The attempt ran past its maximum duration.</summary>
    public const string MaxDurationExceeded = "MAX_DURATION_EXCEEDED";

    /// <summary>The run was cancelled.</summary>
    public const string Canceled = "TASK_RUN_CANCELLED";

    /// <summary>The silo executing the attempt died or shut down.</summary>
    public const string Crashed = "TASK_RUN_CRASHED";

    /// <summary>The task's output could not be serialized to JSON.</summary>
    public const string OutputNotSerializable = "TASK_OUTPUT_ERROR";

    /// <summary>The task is no longer registered on the silo that picked the run up.</summary>
    public const string TaskNotFound = "COULD_NOT_FIND_EXECUTOR";

    /// <summary>On replay the code made a different durable operation than the journal recorded.</summary>
    public const string NonDeterminism = "TASK_NON_DETERMINISM";

    /// <summary>A waitpoint token timed out before it was completed.</summary>
    public const string WaitpointTimedOut = "WAITPOINT_TIMED_OUT";

    /// <summary>The run was not started within its time to live.</summary>
    public const string Expired = "TASK_RUN_EXPIRED";
}
