namespace OrleansTasks;

/// <summary>
/// A run as a listing returns it: what it is, where it is and how it went, without its payload, output, attempts or
/// journal (read those with <c>Runs.RetrieveAsync</c>).
/// </summary>
[GenerateSerializer, Alias("ot.RunSummary")]
public sealed record RunSummary
{
    /// <summary>The run id, <c>run_…</c>.</summary>
    [Id(0)]
    public required string Id { get; init; }

    /// <summary>The id of the task the run executes.</summary>
    [Id(1)]
    public required string TaskId { get; init; }

    /// <summary>The status when the page was read.</summary>
    [Id(2)]
    public required RunStatus Status { get; init; }

    /// <summary>The queue the run is, or was, queued on.</summary>
    [Id(3)]
    public required string Queue { get; init; }

    /// <summary>The concurrency key the run was triggered with; null for none.</summary>
    [Id(4)]
    public string? ConcurrencyKey { get; init; }

    /// <summary>The machine preset the run asked for.</summary>
    [Id(5)]
    public MachinePreset Machine { get; init; } = MachinePreset.Small1x;

    /// <summary>The run's tags.</summary>
    [Id(6)]
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>The batch the run was triggered in, if any.</summary>
    [Id(7)]
    public string? BatchId { get; init; }

    /// <summary>The run that triggered this one, for a child run.</summary>
    [Id(8)]
    public string? ParentRunId { get; init; }

    /// <summary>The first run of this run's tree; its own id for a run triggered from outside a task.</summary>
    [Id(9)]
    public string? RootRunId { get; init; }

    /// <summary>How deep in its tree the run is: 0 for a run triggered from outside a task.</summary>
    [Id(10)]
    public int Depth { get; init; }

    /// <summary>The idempotency key as the trigger gave it; null for none.</summary>
    [Id(11)]
    public string? IdempotencyKey { get; init; }

    /// <summary>When the run was triggered.</summary>
    [Id(12)]
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the run last changed.</summary>
    [Id(13)]
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>When the first attempt started; null until then.</summary>
    [Id(14)]
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When the run reached a final status; null until then.</summary>
    [Id(15)]
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>How many attempts the run has made.</summary>
    [Id(16)]
    public int AttemptCount { get; init; }

    /// <summary>The run this one replays, for a run made by <c>Runs.ReplayAsync</c>.</summary>
    [Id(17)]
    public string? ReplayOf { get; init; }

    /// <summary>The message of the error the run ended with (or its last attempt failed with); null for none.</summary>
    [Id(18)]
    public string? ErrorMessage { get; init; }

    /// <summary>The run's metadata, a JSON object; null while it has none.</summary>
    [Id(19)]
    public string? MetadataJson { get; init; }

    /// <summary>The schedule whose occurrence triggered the run; null for other runs.</summary>
    [Id(20)]
    public string? ScheduleId { get; init; }

    /// <summary>True once the run can no longer change.</summary>
    public bool IsFinal => Status.IsFinal();

    /// <summary>True when the run completed successfully.</summary>
    public bool IsSuccess => Status == RunStatus.Completed;

    /// <summary>True when the run ended in any failure status.</summary>
    public bool IsFailed => Status.IsFailure();
}
