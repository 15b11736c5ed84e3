using System.Text.Json.Serialization;
using OrleansTasks.Journal;

namespace OrleansTasks.Storage;

/// <summary>
/// Everything durable about one run: the run grain's state and the row of the <c>runs</c> table. Payload and output
/// are kept out of the JSON document because they have columns of their own and are written once.
/// </summary>
internal sealed class RunState
{
    public required string Id { get; set; }

    public required string TaskId { get; set; }

    public RunStatus Status { get; set; }

    public required string Queue { get; set; }

    /// <summary>The run's place in its queue: milliseconds since the epoch when it was first queued.</summary>
    public long QueueOrder { get; set; }

    public MachinePreset Machine { get; set; } = MachinePreset.Small1x;

    public List<string> Tags { get; set; } = [];

    /// <summary>The keys of the run's data streams, in the order they were opened.</summary>
    public List<string> Streams { get; set; } = [];

    public string? BatchId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>When the run must next be acted on by time alone (a retry, a delay, a wait); null when nothing is due.</summary>
    public DateTimeOffset? WakeAt { get; set; }

    /// <summary>
    /// The silo whose activation drives the run; null when none does (the run is final, or suspended until
    /// <see cref="WakeAt"/>). A run whose owner is not a live silo is an orphan the supervisor resumes.
    /// </summary>
    public string? Owner { get; set; }

    /// <summary>Incremented by every save; the store ignores a save older than the stored one.</summary>
    public long Version { get; set; }

    [JsonIgnore]
    public string PayloadJson { get; set; } = "null";

    [JsonIgnore]
    public string? OutputJson { get; set; }

    /// <summary>Set when a trailing debounce replaced the payload: the next save writes the payload column too.</summary>
    [JsonIgnore]
    public bool PayloadChanged { get; set; }

    public TaskRunError? Error { get; set; }

    public List<RunAttempt> Attempts { get; set; } = [];

    public int MaxAttempts { get; set; }

    public RetryOptions Retry { get; set; } = RetryOptions.Default;

    public TimeSpan? MaxDuration { get; set; }

    public string? ParentRunId { get; set; }

    public string? RootRunId { get; set; }

    public int Depth { get; set; }

    /// <summary>For a child its parent waits for: where to report its end.</summary>
    public string? ParentWaitKey { get; set; }

    public int ParentWaitIndex { get; set; }

    /// <summary>The current attempt's durable operations. A new attempt starts with an empty journal.</summary>
    public List<JournalEntry> Journal { get; set; } = [];

    /// <summary>The journals earlier attempts left, oldest first, bounded (<see cref="AttemptJournal"/>).</summary>
    public List<AttemptJournal> History { get; set; } = [];

    /// <summary>The run's metadata, a JSON object (null: empty).</summary>
    public string? MetadataJson { get; set; }

    /// <summary>For each source of metadata operations (an attempt of this run or of a child), the last one applied.</summary>
    public Dictionary<string, long> MetadataApplied { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Which execution of the current attempt runs: 0, then one more per replay.</summary>
    public int Execution { get; set; }

    /// <summary>How many times the current attempt was replayed because its silo died while it executed.</summary>
    public int CrashRecoveries { get; set; }

    /// <summary>
    /// The run's activation went away while the attempt executed and handed it over (a deactivation or a graceful
    /// stop): the replay that follows is no crash, and is not counted in <see cref="CrashRecoveries"/>.
    /// </summary>
    public bool HandedOver { get; set; }

    /// <summary>A waiting run whose wait has ended: it is to replay as soon as it has a slot.</summary>
    public bool ResumeRequested { get; set; }

    public string? ConcurrencyKey { get; set; }

    /// <summary>Seconds of queue-time credit, already folded into <see cref="QueueOrder"/>.</summary>
    public int Priority { get; set; }

    /// <summary>The time to live in the queue before the first attempt starts; null for none.</summary>
    public TimeSpan? Ttl { get; set; }

    /// <summary>When a queued run that has not started expires: its queue time plus <see cref="Ttl"/>.</summary>
    public DateTimeOffset? ExpiresAt { get; set; }

    /// <summary>The idempotency key as given, its stored hash, and when it stops holding.</summary>
    public string? IdempotencyKey { get; set; }

    public string? IdempotencyKeyHash { get; set; }

    public DateTimeOffset? IdempotencyKeyExpiresAt { get; set; }

    public string? DebounceKey { get; set; }

    /// <summary>For a debounced run: the latest it may be pushed back to; null for no bound.</summary>
    public DateTimeOffset? DebounceDeadline { get; set; }

    public string? ReplayOf { get; set; }

    /// <summary>The schedule whose occurrence triggered the run; null for any other run.</summary>
    public string? ScheduleId { get; set; }

    /// <summary>That occurrence's nominal time.</summary>
    public DateTimeOffset? ScheduleOccurrence { get; set; }

    /// <summary>Why a queued run is held back other than by its queue (no silo serves its machine); null otherwise.</summary>
    public string? WaitingFor { get; set; }

    /// <summary>The W3C trace context of the run's trigger span; its attempts' spans are its children.</summary>
    public string? TraceParent { get; set; }

    /// <summary>
    /// Runs that wait for this one besides the parent that triggered it: parents whose trigger matched this run by its
    /// idempotency key. Each is told of the end as the parent is.
    /// </summary>
    public List<RunWaiter> Waiters { get; set; } = [];

    [JsonIgnore]
    public RunAttempt? CurrentAttempt => Attempts.Count == 0 ? null : Attempts[^1];

    public TaskRun ToTaskRun() => new()
    {
        Id = Id,
        TaskId = TaskId,
        Status = Status,
        CreatedAt = CreatedAt,
        UpdatedAt = UpdatedAt,
        StartedAt = StartedAt,
        FinishedAt = FinishedAt,
        Attempts = [.. Attempts],
        PayloadJson = PayloadJson,
        OutputJson = OutputJson,
        Error = Error,
        Tags = [.. Tags],
        Queue = Queue,
        Machine = Machine,
        MaxAttempts = MaxAttempts,
        MaxDuration = MaxDuration,
        BatchId = BatchId,
        NextAttemptAt = Status == RunStatus.Queued ? WakeAt : null,
        ParentRunId = ParentRunId,
        RootRunId = RootRunId ?? Id,
        Depth = Depth,
        Journal = [.. Journal.Select(e => e.ToRecord())],
        History = [.. History],
        ChildRunIds = ChildRunIds(),
        MetadataJson = MetadataJson,
        Version = Version,
        Streams = [.. Streams],
        ConcurrencyKey = ConcurrencyKey,
        Priority = Priority,
        DelayedUntil = Status == RunStatus.Delayed ? WakeAt : null,
        Ttl = Ttl,
        ExpiredAt = Status == RunStatus.Expired ? FinishedAt : null,
        IdempotencyKey = IdempotencyKey,
        IdempotencyKeyExpiresAt = IdempotencyKeyExpiresAt,
        ReplayOf = ReplayOf,
        ScheduleId = ScheduleId,
        ScheduleOccurrence = ScheduleOccurrence,
        WaitingFor = Status == RunStatus.Queued ? WaitingFor : null,
        DebounceKey = DebounceKey,
    };

    public JournalEntry? FindEntry(string key) => Journal.Find(e => e.Key == key);

    /// <summary>The children the kept journals record, earliest attempt first, each once (a retried attempt may trigger the same child again by idempotency key).</summary>
    private List<string> ChildRunIds()
    {
        if (Journal.TrueForAll(e => e.ChildRunIds is not { Count: > 0 }) && History.Count == 0)
        {
            return [];
        }

        return [.. History.SelectMany(h => h.Entries).SelectMany(e => e.ChildRunIds)
            .Concat(Journal.SelectMany(e => e.ChildRunIds ?? []))
            .Distinct(StringComparer.Ordinal)];
    }
}

/// <summary>A run waiting for another's end: where to report it.</summary>
internal sealed record RunWaiter(string RunId, string WaitKey, int Index);
