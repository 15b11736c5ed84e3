namespace OrleansTasks.Realtime;

/// <summary>What a realtime subscription follows: one run, the runs with a tag, or the runs of a batch.</summary>
internal enum RealtimeTopicKind
{
    Run,
    Tag,
    Batch,
    Stream,
}

/// <summary>
/// A subject that run updates are published under. Each is an Orleans stream of the realtime provider, and an
/// interest key that silos check before they publish anything, so a run nobody follows costs no stream traffic.
/// </summary>
[GenerateSerializer, Alias("ot.RealtimeTopic")]
internal readonly record struct RealtimeTopic([property: Id(0)] RealtimeTopicKind Kind, [property: Id(1)] string Key)
{
    /// <summary>The Orleans stream provider realtime updates travel on (memory streams; see README, "Realtime").</summary>
    public const string ProviderName = "ot.realtime";

    public static RealtimeTopic ForRun(string runId) => new(RealtimeTopicKind.Run, runId);

    public static RealtimeTopic ForTag(string tag) => new(RealtimeTopicKind.Tag, tag);

    public static RealtimeTopic ForBatch(string batchId) => new(RealtimeTopicKind.Batch, batchId);

    /// <summary>A run's data stream; its items are <c>StreamChunkBatch</c>es, not run updates.</summary>
    public static RealtimeTopic ForStream(string runId, string streamKey) => new(RealtimeTopicKind.Stream, $"{runId}/{streamKey}");

    /// <summary>The stream namespace; the stream is <c>StreamId.Create(Namespace, Key)</c>.</summary>
    public string Namespace => Kind switch
    {
        RealtimeTopicKind.Run => "ot.run",
        RealtimeTopicKind.Tag => "ot.tag",
        RealtimeTopicKind.Batch => "ot.batch",
        _ => "ot.stream",
    };

    public override string ToString() => $"{Namespace}/{Key}";
}
