namespace OrleansTasks.Metadata;

/// <summary>
/// Operations on a run's metadata, sent by a run's code (its own, its parent's or its root's) or by a client. Engine wire
/// type. Operations from code are numbered per source from 1 in the order the code made them, so the run applies each
/// once however often a replay or a retried send brings it again.
/// </summary>
/// <param name="Source">Who made them, for de-duplication (<c>{runId}/a{attempt}</c>); null for a client's, applied as they come.</param>
/// <param name="FirstSequence">The number of the first operation; the others follow on.</param>
/// <param name="Operations">The operations, in order.</param>
[GenerateSerializer, Immutable, Alias("ot.MetadataUpdate")]
internal sealed record MetadataUpdate(
    [property: Id(0)] string? Source,
    [property: Id(1)] long FirstSequence,
    [property: Id(2)] IReadOnlyList<MetadataOp> Operations)
{
    /// <summary>The source under which attempt <paramref name="attempt"/> of run <paramref name="runId"/> numbers its operations, on any run.</summary>
    public static string SourceOf(string runId, int attempt) => $"{runId}/a{attempt}";
}
