namespace OrleansTasks.Logs;

/// <summary>Reads a run's stored log entries. Engine grain.</summary>
[Alias("ot.IRunLogQueryGrain")]
internal interface IRunLogQueryGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// The run's first <paramref name="limit"/> log entries in the order they were written. Entries written on the
    /// answering silo are stored before it reads; entries from other silos may lag by a moment.
    /// </summary>
    /// <exception cref="RunNotFoundException">No run has this id.</exception>
    /// <exception cref="InvalidRequestException"><paramref name="limit"/> is outside 1 to 10,000.</exception>
    [Alias("get-logs")]
    Task<IReadOnlyList<RunLogEntry>> GetLogsAsync(string runId, int limit);
}
