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
[GenerateSerializer, Alias("ot.RunAttempt")]
public sealed record RunAttempt(
    int Number,
    AttemptStatus Status,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    TaskRunError? Error,
    string Silo,
    DateTimeOffset? DequeuedAt = null);
