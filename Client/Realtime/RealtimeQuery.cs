using OrleansTasks.Listing;

namespace OrleansTasks.Realtime;

/// <summary>What a subscription follows, how its snapshot is read, and which states belong to it.</summary>
internal sealed record RealtimeQuery
{
    /// <summary>The most runs a tag or batch subscription's snapshot reads (the newest first).</summary>
    public const int MaxSnapshotRuns = 1000;

    private RealtimeQuery(RealtimeTopic[] topics, Func<TaskRun, bool> belongs)
    {
        Topics = topics;
        Belongs = belongs;
    }

    public RealtimeTopic[] Topics { get; }

    public Func<TaskRun, bool> Belongs { get; }

    /// <summary>The one run followed, for a run subscription.</summary>
    public string? RunId { get; private init; }

    /// <summary>The runs read for the snapshot, for a tag or batch subscription.</summary>
    public RunFilter? Filter { get; private init; }

    public static RealtimeQuery ForRun(string runId) =>
        new([RealtimeTopic.ForRun(runId)], run => run.Id == runId) { RunId = runId };

    public static RealtimeQuery ForTags(IReadOnlyList<string> tags, DateTimeOffset createdAfter) =>
        new([.. tags.Select(RealtimeTopic.ForTag)], run => run.CreatedAt >= createdAfter && run.Tags.Any(tags.Contains))
        {
            Filter = new RunFilter { Tags = tags, From = createdAfter, PageSize = RunFilter.MaxPageSize },
        };

    public static RealtimeQuery ForBatch(string batchId) =>
        new([RealtimeTopic.ForBatch(batchId)], run => run.BatchId == batchId)
        {
            Filter = new RunFilter { BatchId = batchId, PageSize = RunFilter.MaxPageSize },
        };
}
