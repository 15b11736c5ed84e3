using OrleansTasks.Runs;

namespace OrleansTasks.Execution;

/// <summary>
/// An operation of the journal as a replaying execution sees it: what it was and its result, if it has one.
/// <paramref name="Unwound"/> marks a wait that was pending when an earlier execution unwound (the run suspended), so
/// the replay that passes it is the run coming back from that wait.
/// </summary>
internal sealed record RecordedOp(JournalOpKind Kind, string Name, JournalOpResult Result, bool Unwound = false);
