namespace OrleansTasks;

/// <summary>
/// A write to a run's data stream would break one of its limits (<see cref="Streams.StreamLimits"/>): a chunk too
/// large, a stream too large, or too many streams in one run. Nothing of the refused write was stored.
/// </summary>
[GenerateSerializer, Alias("ot.StreamLimitException")]
public sealed class StreamLimitException : OrleansTasksException
{
    /// <inheritdoc/>
    public override string Code => OrleansTasksErrorCodes.StreamLimitExceeded;

    /// <summary>Creates the exception.</summary>
    public StreamLimitException(string message)
        : base(message)
    {
    }
}
