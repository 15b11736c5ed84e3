namespace OrleansTasks.Runs;

/// <summary>
/// What a client sends to create a run. Engine wire type: services use <c>ITaskClient</c>, which builds it.
/// </summary>
[GenerateSerializer, Immutable, Alias("ot.TriggerRequest")]
internal sealed record TriggerRequest
{
    /// <summary>The task id; null when <see cref="TaskType"/> names the task instead.</summary>
    [Id(0)]
    public string? TaskId { get; init; }

    /// <summary>The full name of the task's CLR type, for triggers typed by the task class.</summary>
    [Id(1)]
    public string? TaskType { get; init; }

    /// <summary>The payload as UTF-8 JSON text.</summary>
    [Id(2)]
    public required string PayloadJson { get; init; }

    /// <summary>The trigger options.</summary>
    [Id(3)]
    public TriggerOptions Options { get; init; } = new();

    /// <summary>The batch the run belongs to, if it was created by a batch trigger.</summary>
    [Id(4)]
    public string? BatchId { get; init; }

    /// <summary>The run that triggered this one, for a child run.</summary>
    [Id(5)]
    public string? ParentRunId { get; init; }

    /// <summary>The first run of the tree this one belongs to.</summary>
    [Id(6)]
    public string? RootRunId { get; init; }

    /// <summary>How deep in its tree the run is: 0 for a run triggered from outside a task.</summary>
    [Id(7)]
    public int Depth { get; init; }

    /// <summary>For a child its parent waits for: the journal position of the parent's wait.</summary>
    [Id(8)]
    public string? ParentWaitKey { get; init; }

    /// <summary>For a child its parent waits for: its index in that wait.</summary>
    [Id(9)]
    public int ParentWaitIndex { get; init; }

    /// <summary>For a child: the parent's attempt number, for idempotency keys scoped to the attempt.</summary>
    [Id(10)]
    public int ParentAttempt { get; init; }

    /// <summary>The run this one replays, for a run made by <c>Runs.ReplayAsync</c>.</summary>
    [Id(11)]
    public string? ReplayOf { get; init; }

    /// <summary>The idempotency key's stored hash, set by the engine once it has scoped and hashed the key.</summary>
    [Id(12)]
    public string? IdempotencyKeyHash { get; init; }

    /// <summary>For a debounced run: the latest it may be pushed back to, set by the engine.</summary>
    [Id(13)]
    public DateTimeOffset? DebounceDeadline { get; init; }

    /// <summary>
    /// The W3C trace context of the caller's current span (a service's request, or the parent run's attempt), so the
    /// run joins the caller's trace. Set by the client and the engine; null starts a new trace.
    /// </summary>
    [Id(14)]
    public string? TraceParent { get; init; }

    /// <summary>For a run a schedule's occurrence triggered: the schedule, <c>sched_…</c>.</summary>
    [Id(15)]
    public string? ScheduleId { get; init; }

    /// <summary>For a run a schedule's occurrence triggered: the occurrence's nominal time.</summary>
    [Id(16)]
    public DateTimeOffset? ScheduleOccurrence { get; init; }

    /// <summary>A short description of the task named, for error messages.</summary>
    public string TaskName => TaskId ?? TaskType ?? "(none)";
}
