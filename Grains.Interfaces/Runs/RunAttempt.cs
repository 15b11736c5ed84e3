namespace OrleansTasks;

/// <summary>One attempt of a run.</summary>
/// <param name="Number">The attempt number, from 1.</param>
/// <param name="Status">How the attempt ended, or <see cref="AttemptStatus.Executing"/>.</param>
/// <param name="StartedAt">When the attempt started.</param>
/// <param name="EndedAt">When it ended; null while it runs.</param>
/// <param name="Error">Why it failed, when it did.</param>
/// <param name="Silo">The silo that executed it.</param>
/// <param name="DequeuedAt">
/// When its queue granted it a slot, by the queue's clock: what a queue's rate limit counts. The attempt starts when
/// the grant reaches the run, a moment later.
/// </param>
/// <param name="Hooks">
/// The lifecycle hooks called during the attempt, in the order they were called, across its executions (a replay
/// calls <c>InitAsync</c> again, not <c>OnStartAsync</c>); the first <see cref="MaxHooks"/> are kept.
/// </param>
[GenerateSerializer, Immutable, Alias("ot.RunAttempt")]
public sealed record RunAttempt(
    int Number,
    AttemptStatus Status,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    TaskRunError? Error,
    string Silo,
    DateTimeOffset? DequeuedAt = null,
    IReadOnlyList<HookCall>? Hooks = null)
{
    /// <summary>How many hook calls an attempt keeps: a run that waits thousands of times calls its wait hooks as often.</summary>
    public const int MaxHooks = 100;
}
