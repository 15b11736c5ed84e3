namespace OrleansTasks.Realtime;

/// <summary>What a realtime subscription follows: one run, the runs with a tag, or the runs of a batch.</summary>
internal enum RealtimeTopicKind
{
    Run,
    Tag,
    Batch,
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

    /// <summary>The stream namespace; the stream is <c>StreamId.Create(Namespace, Key)</c>.</summary>
    public string Namespace => Kind switch
    {
        RealtimeTopicKind.Run => "ot.run",
        RealtimeTopicKind.Tag => "ot.tag",
        _ => "ot.batch",
    };

    public override string ToString() => $"{Namespace}/{Key}";
}
