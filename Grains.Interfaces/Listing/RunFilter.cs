namespace OrleansTasks;

/// <summary>
/// Which runs <c>ITaskClient.Runs.ListAsync</c> (and the bulk actions) take: every criterion left null (or, for a list,
/// empty) matches all runs, and the criteria given must all hold. A list criterion holds when the run matches any of
/// its values.
/// </summary>
[GenerateSerializer, Alias("ot.RunFilter")]
public sealed record RunFilter
{
    /// <summary>The page size a listing uses unless told otherwise: 100.</summary>
    public const int DefaultPageSize = 100;

    /// <summary>The largest page a listing fetches: 1,000.</summary>
    public const int MaxPageSize = 1000;

    /// <summary>Only runs in one of these statuses.</summary>
    [Id(0)]
    public IReadOnlyList<RunStatus>? Statuses { get; init; }

    /// <summary>Only runs of one of these tasks (task ids).</summary>
    [Id(1)]
    public IReadOnlyList<string>? TaskIds { get; init; }

    /// <summary>Only runs that carry at least one of these tags, as Trigger.dev's tag filter.</summary>
    [Id(2)]
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>Only runs triggered in this batch.</summary>
    [Id(3)]
    public string? BatchId { get; init; }

    /// <summary>Only runs on one of these queues.</summary>
    [Id(4)]
    public IReadOnlyList<string>? Queues { get; init; }

    /// <summary>Only runs created at or after this moment.</summary>
    [Id(5)]
    public DateTimeOffset? From { get; init; }

    /// <summary>Only runs created before this moment.</summary>
    [Id(6)]
    public DateTimeOffset? To { get; init; }

    /// <summary>
    /// Only runs triggered with this idempotency key from outside a task (where every key is global), given as the
    /// trigger gave it; or, when it is the 64-character hex hash <see cref="IdempotencyKeys.Hash"/> makes, runs stored
    /// with that hash, which also finds keys scoped to a parent run or attempt.
    /// </summary>
    [Id(7)]
    public string? IdempotencyKey { get; init; }

    /// <summary>How many runs each round trip fetches, 1 to 1,000. Default: 100.</summary>
    [Id(8)]
    public int PageSize { get; init; } = DefaultPageSize;

    /// <summary>Only the runs this run triggered itself (its children).</summary>
    [Id(9)]
    public string? ParentRunId { get; init; }

    /// <summary>
    /// Only the runs of the tree this root run started: its children, theirs, and so on (the root itself is not
    /// matched; it is the run with this id).
    /// </summary>
    [Id(10)]
    public string? RootRunId { get; init; }

    /// <summary>Only the runs this schedule's occurrences triggered (<c>sched_…</c>).</summary>
    [Id(11)]
    public string? ScheduleId { get; init; }
}
