namespace OrleansTasks.Listing;

/// <summary>Where a page of runs ends; the next page starts after it. Engine wire type.</summary>
/// <param name="CreatedAt">The last run's creation time.</param>
/// <param name="Id">The last run's id, which breaks ties between runs created in the same instant.</param>
[GenerateSerializer, Alias("ot.RunCursor")]
public sealed record RunCursor(DateTimeOffset CreatedAt, string Id)
{
    /// <summary>The cursor after <paramref name="run"/>.</summary>
    public static RunCursor After(RunSummary run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new RunCursor(run.CreatedAt, run.Id);
    }
}
