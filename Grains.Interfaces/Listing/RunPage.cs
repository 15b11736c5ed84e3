using OrleansTasks.Listing;

namespace OrleansTasks;

/// <summary>A page of a run listing and where the next one starts.</summary>
/// <param name="Runs">The runs, newest first.</param>
/// <param name="Next">The cursor to pass for the next page; null when this page is the last.</param>
public sealed record RunPage(IReadOnlyList<RunSummary> Runs, RunCursor? Next);
