namespace OrleansTasks.Listing;

/// <summary>Reads pages of runs for listing. Engine grain.</summary>
[Alias("ot.IRunQueryGrain")]
internal interface IRunQueryGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Up to <see cref="RunFilter.PageSize"/> runs matching the filter, newest first (by creation time, then id), after
    /// the cursor; fewer only when there are no more.
    /// </summary>
    /// <exception cref="InvalidRequestException">The filter is invalid: a page size outside 1 to 1,000, say.</exception>
    [Alias("list")]
    Task<IReadOnlyList<RunSummary>> ListAsync(RunFilter filter, RunCursor? after);

    /// <summary>
    /// As <see cref="ListAsync"/>, but each run whole, as it is stored (the snapshots realtime subscriptions start
    /// from). Reads the rows, not the runs' grains, so it activates none.
    /// </summary>
    [Alias("list-runs")]
    Task<IReadOnlyList<TaskRun>> ListRunsAsync(RunFilter filter, RunCursor? after);

    /// <summary>Up to <paramref name="limit"/> chunks of a run's data stream from <paramref name="from"/> on, as stored, and whether it ends after them.</summary>
    [Alias("read-stream")]
    Task<Streams.StreamPage> ReadStreamAsync(string runId, string streamKey, long from, int limit);
}
