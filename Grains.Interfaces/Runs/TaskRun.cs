using System.Text.Json;

namespace OrleansTasks;

/// <summary>A run as <c>Runs.RetrieveAsync</c> returns it: status, attempts, payload, output, error and timestamps.</summary>
[GenerateSerializer, Immutable, Alias("ot.TaskRun")]
public sealed record TaskRun
{
    /// <summary>The run id, <c>run_…</c>.</summary>
    [Id(0)]
    public required string Id { get; init; }

    /// <summary>The id of the task the run executes.</summary>
    [Id(1)]
    public required string TaskId { get; init; }

    /// <summary>The current status.</summary>
    [Id(2)]
    public required RunStatus Status { get; init; }

    /// <summary>When the run was triggered.</summary>
    [Id(3)]
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the run last changed.</summary>
    [Id(4)]
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>When the first attempt started; null until then.</summary>
    [Id(5)]
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When the run reached a final status; null until then.</summary>
    [Id(6)]
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Every attempt so far, oldest first.</summary>
    [Id(7)]
    public IReadOnlyList<RunAttempt> Attempts { get; init; } = [];

    /// <summary>The payload as JSON text.</summary>
    [Id(8)]
    public required string PayloadJson { get; init; }

    /// <summary>The output as JSON text once the run completed; null otherwise.</summary>
    [Id(9)]
    public string? OutputJson { get; init; }

    /// <summary>Why the run failed, when it did.</summary>
    [Id(10)]
    public TaskRunError? Error { get; init; }

    /// <summary>The run's tags.</summary>
    [Id(11)]
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>The queue the run is, or was, queued on.</summary>
    [Id(12)]
    public required string Queue { get; init; }

    /// <summary>The machine preset the run asked for.</summary>
    [Id(13)]
    public MachinePreset Machine { get; init; } = MachinePreset.Small1x;

    /// <summary>How many attempts the run may make.</summary>
    [Id(14)]
    public int MaxAttempts { get; init; }

    /// <summary>The maximum duration of one attempt; null for none.</summary>
    [Id(15)]
    public TimeSpan? MaxDuration { get; init; }

    /// <summary>The batch the run was triggered in, if any.</summary>
    [Id(16)]
    public string? BatchId { get; init; }

    /// <summary>When the next attempt is due, while the run waits to retry.</summary>
    [Id(17)]
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>The run that triggered this one, for a child run.</summary>
    [Id(18)]
    public string? ParentRunId { get; init; }

    /// <summary>The first run of this run's tree; its own id for a run triggered from outside a task.</summary>
    [Id(19)]
    public string? RootRunId { get; init; }

    /// <summary>
    /// The runs this run triggered (its children, Trigger.dev's <c>relatedRuns.children</c>), in the order they were
    /// triggered, from the journals the run keeps (<see cref="TaskLimits.MaxAttemptJournals"/>). For every child of a
    /// very large run, list with <see cref="RunFilter.ParentRunId"/>.
    /// </summary>
    [Id(33)]
    public IReadOnlyList<string> ChildRunIds { get; init; } = [];

    /// <summary>The run's metadata, a JSON object (<c>context.Metadata</c> in the task); null while it has none.</summary>
    [Id(34)]
    public string? MetadataJson { get; init; }

    /// <summary>
    /// The run's sequence number: it grows by at least one with every change that is written, so of two copies of a
    /// run the one with the higher version is the newer. Realtime subscriptions yield a run's states in this order.
    /// </summary>
    [Id(35)]
    public long Version { get; init; }

    /// <summary>
    /// The keys of the run's data streams, in the order they were first written (<c>context.Streams</c> in a task; read
    /// one with <c>Runs.ReadStreamAsync</c>).
    /// </summary>
    [Id(36)]
    public IReadOnlyList<string> Streams { get; init; } = [];

    /// <summary>The schedule whose occurrence triggered the run (<c>sched_…</c>); null for a run triggered any other way.</summary>
    [Id(37)]
    public string? ScheduleId { get; init; }

    /// <summary>The nominal time of the schedule's occurrence that triggered the run (before any window); null for other runs.</summary>
    [Id(38)]
    public DateTimeOffset? ScheduleOccurrence { get; init; }

    /// <summary>The value at <paramref name="key"/> of the run's metadata, deserialized; default when it is missing.</summary>
    public T? GetMetadata<T>(string key) => Metadata.MetadataDocument.Parse(MetadataJson).Get<T>(key);

    /// <summary>How deep in its tree the run is: 0 for a run triggered from outside a task.</summary>
    [Id(20)]
    public int Depth { get; init; }

    /// <summary>The durable operations of the current (or last) attempt, in the order they were first made.</summary>
    [Id(21)]
    public IReadOnlyList<JournalRecord> Journal { get; init; } = [];

    /// <summary>The concurrency key the run was triggered with; null for none.</summary>
    [Id(22)]
    public string? ConcurrencyKey { get; init; }

    /// <summary>The priority, in seconds of queue-time credit.</summary>
    [Id(23)]
    public int Priority { get; init; }

    /// <summary>When a <c>DELAYED</c> run is due to be queued; null when the run is not delayed.</summary>
    [Id(24)]
    public DateTimeOffset? DelayedUntil { get; init; }

    /// <summary>The time to live: how long the run may wait in its queue before it ends <c>EXPIRED</c>; null for none.</summary>
    [Id(25)]
    public TimeSpan? Ttl { get; init; }

    /// <summary>When the run expired; null unless its status is <c>EXPIRED</c>.</summary>
    [Id(26)]
    public DateTimeOffset? ExpiredAt { get; init; }

    /// <summary>The idempotency key as the trigger gave it; null for none.</summary>
    [Id(27)]
    public string? IdempotencyKey { get; init; }

    /// <summary>When the idempotency key stops holding.</summary>
    [Id(28)]
    public DateTimeOffset? IdempotencyKeyExpiresAt { get; init; }

    /// <summary>The run this one replays, for a run made by <c>Runs.ReplayAsync</c>.</summary>
    [Id(29)]
    public string? ReplayOf { get; init; }

    /// <summary>
    /// Why a queued run is not starting when the reason is not simply its queue: no silo serves its machine preset,
    /// say. Null otherwise.
    /// </summary>
    [Id(30)]
    public string? WaitingFor { get; init; }

    /// <summary>The debounce key the run was triggered with; null for none.</summary>
    [Id(31)]
    public string? DebounceKey { get; init; }

    /// <summary>
    /// The journals of the earlier attempts, oldest first (<see cref="Journal"/> is the current one's), so a run can be
    /// shown attempt by attempt. Bounded: see <see cref="AttemptJournal"/>.
    /// </summary>
    [Id(32)]
    public IReadOnlyList<AttemptJournal> History { get; init; } = [];

    /// <summary>Time from the first attempt's start to the final status; null until the run is final.</summary>
    public TimeSpan? Duration => StartedAt is { } started && FinishedAt is { } finished ? finished - started : null;

    /// <summary>True once the run can no longer change.</summary>
    public bool IsFinal => Status.IsFinal();

    /// <summary>True when the run completed successfully.</summary>
    public bool IsSuccess => Status == RunStatus.Completed;

    /// <summary>True when the run ended in any failure status.</summary>
    public bool IsFailed => Status.IsFailure();

    /// <summary>Deserializes the output.</summary>
    /// <exception cref="InvalidOperationException">The run has not completed, so it has no output.</exception>
    public T? GetOutput<T>()
    {
        if (Status != RunStatus.Completed || OutputJson is null)
        {
            throw new InvalidOperationException($"Run {Id} has no output: its status is {Status.ToWireName()}.");
        }

        return JsonSerializer.Deserialize<T>(OutputJson, TaskJson.Options);
    }

    /// <summary>Deserializes the payload.</summary>
    public T? GetPayload<T>() => JsonSerializer.Deserialize<T>(PayloadJson, TaskJson.Options);
}
