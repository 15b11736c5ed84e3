namespace OrleansTasks;

/// <summary>One durable operation of a run's attempt, as <c>Runs.RetrieveAsync</c> shows it.</summary>
/// <param name="Position">Its position in the journal: the key replay matches it by.</param>
/// <param name="Kind">Step, Wait, CreateToken, WaitToken, Trigger or TriggerAndWait.</param>
/// <param name="Name">The step name, child task id(s) or wait kind.</param>
/// <param name="Completed">Whether it has its result.</param>
/// <param name="CreatedAt">When it was first made.</param>
/// <param name="CompletedAt">When its result came.</param>
/// <param name="ChildRunIds">The runs a trigger created, in item order; empty for other operations.</param>
/// <param name="Abandoned">
/// A wait the code stopped waiting for because the cancellation token it passed fired: it completed with no result, and
/// a replay throws <see cref="OperationCanceledException"/> there again.
/// </param>
/// <param name="TokenId">The waitpoint token a token wait waits for; null for other operations.</param>
[GenerateSerializer, Immutable, Alias("ot.JournalRecord")]
public sealed record JournalRecord(
    string Position, string Kind, string Name, bool Completed, DateTimeOffset CreatedAt, DateTimeOffset? CompletedAt, IReadOnlyList<string> ChildRunIds,
    bool Abandoned = false,
    string? TokenId = null);
