using OrleansTasks.Runs;

namespace OrleansTasks.Execution;

/// <summary>An operation of the journal as a replaying execution sees it: what it was and its result, if it has one.</summary>
internal sealed record RecordedOp(JournalOpKind Kind, string Name, JournalOpResult Result);
