namespace OrleansTasks;

/// <summary>
/// What a bulk action (<see cref="IRunsClient.CancelManyAsync"/>, <see cref="IRunsClient.ReplayManyAsync"/>) did:
/// <see cref="Matched"/> is always <see cref="Succeeded"/> + <see cref="Skipped"/> + the number of <see cref="Failures"/>.
/// </summary>
public sealed record BulkActionResult
{
    /// <summary>How many runs the filter matched when the action collected them.</summary>
    public required int Matched { get; init; }

    /// <summary>How many runs the action was carried out on.</summary>
    public required int Succeeded { get; init; }

    /// <summary>
    /// How many matched runs the action left alone: for a cancel, runs that reached a final status between being
    /// collected and being cancelled. Always 0 for a replay.
    /// </summary>
    public int Skipped { get; init; }

    /// <summary>The runs the action failed on, with why.</summary>
    public IReadOnlyList<BulkActionFailure> Failures { get; init; } = [];

    /// <summary>
    /// The runs the action created: for a replay, one per run replayed, in the order the originals were listed (newest
    /// first); each new run's <see cref="TaskRun.ReplayOf"/> names its original. Empty for a cancel.
    /// </summary>
    public IReadOnlyList<RunHandle> CreatedRuns { get; init; } = [];
}

/// <summary>A run a bulk action failed on.</summary>
/// <param name="RunId">The run.</param>
/// <param name="Error">The error's message.</param>
/// <param name="ErrorType">The full name of the exception's type, such as <c>OrleansTasks.UnknownTaskException</c>.</param>
public sealed record BulkActionFailure(string RunId, string Error, string ErrorType);
