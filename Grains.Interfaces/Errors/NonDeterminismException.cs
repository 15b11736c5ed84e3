namespace OrleansTasks;

/// <summary>
/// On replay the task's code made a different durable operation at a journal position than the one recorded there:
/// the code or its inputs changed between executions. The run fails; nothing else is touched.
/// </summary>
[GenerateSerializer, Alias("ot.NonDeterminismException")]
public sealed class NonDeterminismException : OrleansTasksException
{
    /// <inheritdoc/>
    public override string Code => OrleansTasksErrorCodes.NonDeterminism;

    /// <summary>Creates the exception.</summary>
    public NonDeterminismException(string runId, string position, string recorded, string attempted)
        : base($"Non-determinism in run {runId} at journal position {position}: the code now calls {attempted}, but the journal recorded {recorded} there. "
            + "Replayed code must make the same durable operations in the same order; put anything that varies between executions inside StepAsync.")
    {
        RunId = runId;
        Position = position;
        Recorded = recorded;
        Attempted = attempted;
    }

    /// <summary>The run.</summary>
    [Id(0)]
    public string RunId { get; init; }

    /// <summary>The journal position.</summary>
    [Id(1)]
    public string Position { get; init; }

    /// <summary>The operation the journal recorded there.</summary>
    [Id(2)]
    public string Recorded { get; init; }

    /// <summary>The operation the code made there on replay.</summary>
    [Id(3)]
    public string Attempted { get; init; }
}
