namespace OrleansTasks;

/// <summary>
/// The journal an earlier attempt left: its durable operations in the order they were made, with their timings. A run
/// keeps the journals of its last <see cref="TaskLimits.MaxAttemptJournals"/> earlier attempts, each up to
/// <see cref="TaskLimits.MaxAttemptJournalEntries"/> entries.
/// </summary>
/// <param name="Attempt">The attempt's number.</param>
/// <param name="Entries">Its operations, in the order they were first made.</param>
/// <param name="Dropped">How many more it made than were kept (the latest ones are dropped).</param>
[GenerateSerializer, Immutable, Alias("ot.AttemptJournal")]
public sealed record AttemptJournal(int Attempt, IReadOnlyList<JournalRecord> Entries, int Dropped = 0);
