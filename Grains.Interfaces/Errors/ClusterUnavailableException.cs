namespace OrleansTasks;

/// <summary>
/// The client could not reach any silo for as long as <c>TaskClientOptions.RetryTransientFailuresFor</c> allows
/// (every silo is down, or the cluster is still starting). The call may or may not have taken effect; calls the client
/// retries are idempotent (a trigger carries its run id), so calling again is safe. The cause is the last failure.
/// </summary>
[GenerateSerializer, Alias("ot.ClusterUnavailableException")]
public sealed class ClusterUnavailableException : OrleansTasksException
{
    /// <inheritdoc/>
    public override string Code => OrleansTasksErrorCodes.ClusterUnavailable;

    /// <summary>Creates the exception.</summary>
    public ClusterUnavailableException(TimeSpan triedFor, Exception? innerException)
        : base($"No silo answered for {triedFor.TotalSeconds:0.#} s ({innerException?.GetType().Name}: {innerException?.Message}). Check that at least one silo is running and reachable; calling again is safe.", innerException)
    {
        TriedFor = triedFor;
    }

    /// <summary>How long the client kept trying.</summary>
    [Id(0)]
    public TimeSpan TriedFor { get; init; }
}
