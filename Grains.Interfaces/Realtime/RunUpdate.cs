namespace OrleansTasks.Realtime;

/// <summary>
/// One change of a run as readers see it: the run after the change, numbered by <paramref name="Sequence"/> (the
/// run's version, <see cref="TaskRun.Version"/>), which only grows. Made at the one point where a run is written, and
/// handed on only once the write has committed, so a sequence number is never seen twice with different contents.
/// </summary>
[GenerateSerializer, Alias("ot.RunUpdate")]
internal sealed record RunUpdate([property: Id(0)] string RunId, [property: Id(1)] long Sequence, [property: Id(2)] TaskRun Run);

/// <summary>The item realtime streams carry: the updates a silo had for one topic at one moment, in commit order per run.</summary>
[GenerateSerializer, Alias("ot.RunUpdateBatch")]
internal sealed record RunUpdateBatch([property: Id(0)] RunUpdate[] Updates);
