using OrleansTasks.Runs;

namespace OrleansTasks.Execution;

/// <summary>What the run grain hands the executor to start (or replay) one execution of an attempt.</summary>
internal sealed record AttemptRequest(
    string RunId,
    string TaskId,
    int Attempt,
    int Execution,
    string PayloadJson,
    IReadOnlyList<string> Tags,
    string Queue,
    MachinePreset Machine,
    DateTimeOffset CreatedAt,
    TimeSpan? MaxDuration,
    IReadOnlyDictionary<string, RecordedOp> Journal)
{
    /// <summary>The run's retry policy, for the planned retry <c>CatchErrorAsync</c> sees.</summary>
    public RetryOptions Retry { get; init; } = RetryOptions.Default;

    /// <summary>The run's maximum attempts (the policy's, or the trigger's).</summary>
    public int MaxAttempts { get; init; } = 1;

    /// <summary>The run that triggered this one; null for a run triggered from outside.</summary>
    public string? ParentRunId { get; init; }

    /// <summary>The first run of this run's tree (this run itself for one triggered from outside).</summary>
    public string? RootRunId { get; init; }

    /// <summary>The run's metadata as this execution starts, with the operations of this attempt already applied.</summary>
    public string? MetadataJson { get; init; }

    /// <summary>How many of this attempt's own metadata operations the run has applied: a replay makes them again, and skips these.</summary>
    public long MetadataApplied { get; init; }

    /// <summary>The W3C trace context of the run's trigger span, which the attempt's span is a child of.</summary>
    public string? TraceParent { get; init; }

    /// <summary>
    /// Set when the run has already ended without its code running (a crash, a cancel while queued or waiting): the
    /// execution only runs the failure hooks, with this status and error, and reports nothing.
    /// </summary>
    public TaskFailure? FinalFailure { get; init; }

    /// <summary>This execution's outcome, as the executor reports it.</summary>
    public AttemptOutcome Outcome(AttemptOutcomeKind kind, DateTimeOffset endedAt, string? outputJson = null, TaskRunError? error = null, bool retryable = true) =>
        new()
        {
            Attempt = Attempt,
            Execution = Execution,
            Kind = kind,
            OutputJson = outputJson,
            Error = error,
            Retryable = retryable,
            EndedAt = endedAt,
        };
}
