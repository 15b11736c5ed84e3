namespace OrleansTasks;

/// <summary>
/// An operation does not apply to the run as it is now, such as rescheduling a run that is no longer
/// <c>DELAYED</c>. The message says why; the run was left as it was.
/// </summary>
[GenerateSerializer, Alias("ot.InvalidRunOperationException")]
public sealed class InvalidRunOperationException : OrleansTasksException
{
    /// <inheritdoc/>
    public override string Code => OrleansTasksErrorCodes.InvalidRunOperation;

    /// <summary>Creates the exception.</summary>
    public InvalidRunOperationException(string runId, RunStatus status, string message)
        : base(message)
    {
        RunId = runId;
        Status = status;
    }

    /// <summary>The run.</summary>
    [Id(0)]
    public string RunId { get; init; }

    /// <summary>Its status when the operation was refused.</summary>
    [Id(1)]
    public RunStatus Status { get; init; }
}
