namespace OrleansTasks;

/// <summary>No run has the given id.</summary>
[GenerateSerializer, Alias("ot.RunNotFoundException")]
public sealed class RunNotFoundException : OrleansTasksException
{
    /// <inheritdoc/>
    public override string Code => OrleansTasksErrorCodes.RunNotFound;

    /// <summary>Creates the exception.</summary>
    public RunNotFoundException(string runId)
        : base($"No run with id '{runId}' exists.")
    {
        RunId = runId;
    }

    /// <summary>The run id that was asked for.</summary>
    [Id(0)]
    public string RunId { get; init; }
}
