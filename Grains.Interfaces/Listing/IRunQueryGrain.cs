namespace OrleansTasks.Listing;

/// <summary>Reads pages of runs for listing. Engine grain.</summary>
[Alias("ot.IRunQueryGrain")]
internal interface IRunQueryGrain : IGrainWithIntegerKey
{
    /// <summary>The most run ids one <see cref="VersionsAsync"/> call takes.</summary>
    const int MaxVersionsAsked = 10_000;

    /// <summary>The most recently created runs one <see cref="VersionsAsync"/> call lists.</summary>
    const int MaxVersionsListed = 1000;

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

    /// <summary>
    /// The stored versions of <paramref name="runIds"/> and of the runs matching <paramref name="filter"/> created at or
    /// after <paramref name="createdFrom"/> (the newest <see cref="MaxVersionsListed"/>): what a realtime subscription
    /// compares with what it has received, to read again only the runs whose updates it missed.
    /// </summary>
    /// <exception cref="InvalidRequestException">More than <see cref="MaxVersionsAsked"/> ids, or an invalid filter.</exception>
    [Alias("versions")]
    Task<IReadOnlyList<RunVersion>> VersionsAsync(RunFilter filter, DateTimeOffset createdFrom, IReadOnlyList<string> runIds);

    /// <summary>The runs of <paramref name="runIds"/> whole, as stored (those deleted are left out); at most <see cref="RunFilter.MaxPageSize"/>.</summary>
    /// <exception cref="InvalidRequestException">More than <see cref="RunFilter.MaxPageSize"/> ids.</exception>
    [Alias("get-runs")]
    Task<IReadOnlyList<TaskRun>> GetRunsAsync(IReadOnlyList<string> runIds);

    /// <summary>Up to <paramref name="limit"/> chunks of a run's data stream from <paramref name="from"/> on, as stored, and whether it ends after them.</summary>
    [Alias("read-stream")]
    Task<Streams.StreamPage> ReadStreamAsync(string runId, string streamKey, long from, int limit);
}
