namespace OrleansTasks.Runs;

/// <summary>How an attempt's execution ended, as the executor reports it to the run grain. Engine wire type.</summary>
[GenerateSerializer, Alias("ot.AttemptOutcomeKind")]
internal enum AttemptOutcomeKind
{
    /// <summary>The task returned an output.</summary>
    Succeeded = 1,

    /// <summary>The task threw; whether to retry depends on <see cref="AttemptOutcome.Retryable"/> and the policy.</summary>
    Failed = 2,

    /// <summary>The attempt stopped because the run was cancelled.</summary>
    Canceled = 3,

    /// <summary>The attempt ran past its maximum duration.</summary>
    TimedOut = 4,

    /// <summary>The run suspended: this execution was unwound and the attempt continues by replay when the run resumes.</summary>
    Suspended = 5,
}

/// <summary>The end of one attempt, reported by the silo that executed it. Engine wire type.</summary>
[GenerateSerializer, Immutable, Alias("ot.AttemptOutcome")]
internal sealed record AttemptOutcome
{
    /// <summary>The attempt number this outcome is for; a stale report for an older attempt is ignored.</summary>
    [Id(0)]
    public required int Attempt { get; init; }

    /// <summary>How the attempt ended.</summary>
    [Id(1)]
    public required AttemptOutcomeKind Kind { get; init; }

    /// <summary>The output as JSON, when the attempt succeeded.</summary>
    [Id(2)]
    public string? OutputJson { get; init; }

    /// <summary>The error, when it did not.</summary>
    [Id(3)]
    public TaskRunError? Error { get; init; }

    /// <summary>False for errors that must not be retried (abort, bad payload).</summary>
    [Id(4)]
    public bool Retryable { get; init; } = true;

    /// <summary>When the attempt ended.</summary>
    [Id(5)]
    public required DateTimeOffset EndedAt { get; init; }

    /// <summary>Which execution of the attempt this is (0, then one more per replay); a stale one's report is ignored.</summary>
    [Id(6)]
    public int Execution { get; init; }

    /// <summary>When to start the next attempt, as the retry policy or <c>CatchErrorAsync</c> decided; null for the policy's delay.</summary>
    [Id(7)]
    public DateTimeOffset? RetryAt { get; init; }

    /// <summary>For a suspension: the journal keys of the waits the code was in when it unwound.</summary>
    [Id(8)]
    public IReadOnlyList<string>? UnwoundWaits { get; init; }

    /// <summary>The lifecycle hooks this execution called, in order.</summary>
    [Id(9)]
    public IReadOnlyList<HookCall>? Hooks { get; init; }
}
