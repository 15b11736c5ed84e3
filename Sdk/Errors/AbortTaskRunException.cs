namespace OrleansTasks;

/// <summary>
/// Thrown from task code to fail the run at once: no further attempts are made, whatever the retry policy says.
/// </summary>
[GenerateSerializer, Alias("ot.AbortTaskRunException")]
public sealed class AbortTaskRunException : OrleansTasksException
{
    /// <inheritdoc/>
    public override string Code => OrleansTasksErrorCodes.TaskAborted;

    /// <summary>Creates the exception with the reason the run is aborted.</summary>
    public AbortTaskRunException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the reason and the error that caused it.</summary>
    public AbortTaskRunException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
