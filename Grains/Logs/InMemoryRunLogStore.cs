namespace OrleansTasks.Logs;

/// <summary>
/// Log entries kept in memory, for development mode and tests: nothing survives the process. One instance may be shared
/// by several silos in one process, as a database would be.
/// </summary>
internal sealed class InMemoryRunLogStore : IRunLogStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, List<RunLogEntry>> _byRun = new(StringComparer.Ordinal);
    private readonly HashSet<(string RunId, int Attempt, string Key)> _keys = [];

    public Task AppendAsync(IReadOnlyList<RunLogEntry> entries, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            foreach (var entry in entries)
            {
                if (!_keys.Add((entry.RunId, entry.Attempt, entry.Key)))
                {
                    continue;
                }

                if (!_byRun.TryGetValue(entry.RunId, out var list))
                {
                    _byRun.Add(entry.RunId, list = []);
                }

                list.Add(entry);
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<RunLogEntry>> ListAsync(string runId, int limit, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            IReadOnlyList<RunLogEntry> entries = _byRun.TryGetValue(runId, out var list) ? [.. list.Take(limit)] : [];
            return Task.FromResult(entries);
        }
    }

    public Task DeleteRunsAsync(IReadOnlyList<string> runIds, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            foreach (var runId in runIds)
            {
                if (_byRun.Remove(runId, out var entries))
                {
                    _keys.ExceptWith(entries.Select(e => (e.RunId, e.Attempt, e.Key)));
                }
            }
        }

        return Task.CompletedTask;
    }

    public Task<int> DeleteOlderThanAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken = default)
    {
        var deleted = 0;
        lock (_lock)
        {
            foreach (var (runId, list) in _byRun.ToList())
            {
                var removed = 0;
                list.RemoveAll(entry =>
                {
                    if (deleted + removed >= batchSize || entry.Timestamp >= cutoff)
                    {
                        return false;
                    }

                    _keys.Remove((entry.RunId, entry.Attempt, entry.Key));
                    removed++;
                    return true;
                });

                deleted += removed;
                if (list.Count == 0)
                {
                    _byRun.Remove(runId);
                }

                if (deleted >= batchSize)
                {
                    break;
                }
            }
        }

        return Task.FromResult(deleted);
    }
}
