namespace OrleansTasks;

/// <summary>
/// A trigger was refused because of what it asked for: a payload that is not JSON, too many tags, an option out of
/// range. The message says which. No run was created.
/// </summary>
[GenerateSerializer, Alias("ot.InvalidTriggerException")]
public sealed class InvalidTriggerException : OrleansTasksException
{
    /// <inheritdoc/>
    public override string Code => OrleansTasksErrorCodes.InvalidTrigger;

    /// <summary>Creates the exception.</summary>
    public InvalidTriggerException(string taskId, string reason)
        : base($"Trigger of task '{taskId}' refused: {reason}")
    {
        TaskId = taskId;
        Reason = reason;
    }

    /// <summary>The task the trigger was for.</summary>
    [Id(0)]
    public string TaskId { get; init; }

    /// <summary>What was wrong.</summary>
    [Id(1)]
    public string Reason { get; init; }
}
