namespace OrleansTasks.Logs;

/// <summary>
/// Where runs' log entries are kept: the <c>run_logs</c> table in PostgreSQL, or memory in development mode. Entries
/// reach it through <see cref="RunLogWriter"/>, in batches.
/// </summary>
internal interface IRunLogStore
{
    /// <summary>
    /// Stores the entries. Idempotent: an entry whose run, attempt and key are stored already (or come earlier in
    /// <paramref name="entries"/>) is ignored, so the first one written wins and a replayed line is never stored twice.
    /// </summary>
    Task AppendAsync(IReadOnlyList<RunLogEntry> entries, CancellationToken cancellationToken = default);

    /// <summary>The run's first <paramref name="limit"/> entries, in the order they were first stored; empty if it has none.</summary>
    Task<IReadOnlyList<RunLogEntry>> ListAsync(string runId, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes up to <paramref name="batchSize"/> entries whose timestamp is before <paramref name="cutoff"/>, of any run,
    /// and returns how many it deleted. Fewer than <paramref name="batchSize"/> means none are left.
    /// </summary>
    Task<int> DeleteOlderThanAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken = default);

    /// <summary>Deletes every entry of these runs (runs deleted by their own retention).</summary>
    Task DeleteRunsAsync(IReadOnlyList<string> runIds, CancellationToken cancellationToken = default);
}
