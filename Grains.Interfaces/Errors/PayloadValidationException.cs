namespace OrleansTasks;

/// <summary>
/// A payload broke its task's validation rules (DataAnnotations attributes on the payload type, or the payload's own
/// <c>IValidatableObject.Validate</c>). Thrown at the trigger call when the caller names the task by its type; when
/// it names the task by id, the run fails with this error and is not retried. The message lists every rule broken.
/// </summary>
[GenerateSerializer, Alias("ot.PayloadValidationException")]
public sealed class PayloadValidationException : OrleansTasksException
{
    /// <inheritdoc/>
    public override string Code => OrleansTasksErrorCodes.InvalidPayload;

    /// <summary>Creates the exception.</summary>
    public PayloadValidationException(string taskId, IReadOnlyList<string> errors)
        : base($"The payload of task '{taskId}' is not valid: {string.Join("; ", errors ?? [])}")
    {
        TaskId = taskId;
        Errors = errors ?? [];
    }

    /// <summary>The task the payload was for.</summary>
    [Id(0)]
    public string TaskId { get; init; }

    /// <summary>Each rule broken, with the member it concerns.</summary>
    [Id(1)]
    public IReadOnlyList<string> Errors { get; init; }
}
