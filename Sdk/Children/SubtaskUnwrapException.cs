namespace OrleansTasks;

/// <summary>Thrown by <c>Unwrap()</c> on the result of a child run that did not complete successfully.</summary>
[GenerateSerializer, Alias("ot.SubtaskUnwrapException")]
public sealed class SubtaskUnwrapException : OrleansTasksException
{
    /// <inheritdoc/>
    public override string Code => OrleansTasksErrorCodes.SubtaskFailed;

    /// <summary>Creates the exception.</summary>
    public SubtaskUnwrapException(string taskId, string runId, TaskRunError error)
        : base($"Child run {runId} of task '{taskId}' did not succeed: {error}")
    {
        TaskId = taskId;
        RunId = runId;
        Error = error;
    }

    /// <summary>The child's task id.</summary>
    [Id(0)]
    public string TaskId { get; init; }

    /// <summary>The child run's id.</summary>
    [Id(1)]
    public string RunId { get; init; }

    /// <summary>The child's error.</summary>
    [Id(2)]
    public TaskRunError Error { get; init; }
}
