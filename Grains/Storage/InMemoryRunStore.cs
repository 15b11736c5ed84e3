using System.Collections.Concurrent;
using OrleansTasks.Listing;
using OrleansTasks.Queues;

namespace OrleansTasks.Storage;

/// <summary>
/// Runs kept in memory, for development mode and tests: nothing survives the process. One instance may be shared
/// by several silos in one process, as a database would be.
/// </summary>
internal sealed class InMemoryRunStore(TimeProvider? time = null) : IRunStore
{
    public bool IsDurable => false;

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    private readonly ConcurrentDictionary<string, RunRow> _rows = new(StringComparer.Ordinal);

    public int Count => _rows.Count;

    public Task<IReadOnlyList<string>> DeleteFinishedBeforeAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken = default)
    {
        var deleted = new List<string>();
        foreach (var row in _rows.Values.Where(r => r.FinishedAt < cutoff && r.CreatedAt < cutoff && r.RunStatus.IsFinal()).Take(batchSize).ToList())
        {
            if (_rows.TryRemove(new KeyValuePair<string, RunRow>(row.Id, row)))
            {
                deleted.Add(row.Id);
            }
        }

        return Task.FromResult<IReadOnlyList<string>>(deleted);
    }

    /// <summary>Runs waiting with nothing in memory (suspended).</summary>
    public int CountSuspended() => _rows.Values.Count(r => r.Owner is null && r.RunStatus == RunStatus.Waiting);

    public Task<bool> TryInsertAsync(RunRow row, CancellationToken cancellationToken = default) =>
        Task.FromResult(_rows.TryAdd(row.Id, row));

    public Task SaveAsync(RunRow row, CancellationToken cancellationToken = default)
    {
        _rows.AddOrUpdate(row.Id, row, (_, stored) => stored.Version < row.Version ? row : stored);
        return row.WakeRunIds is { } wake ? WakeAsync(wake, cancellationToken) : Task.CompletedTask;
    }

    public Task WakeAsync(IReadOnlyList<string> runIds, CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow();
        foreach (var id in runIds)
        {
            while (_rows.TryGetValue(id, out var waiting) && waiting is { Owner: null, Status: "WAITING" } && (waiting.WakeAt is null || waiting.WakeAt > now)
                && !_rows.TryUpdate(id, waiting with { WakeAt = now }, waiting))
            {
                // Changed under us: look again.
            }
        }

        return Task.CompletedTask;
    }

    public Task<RunRow?> LoadAsync(string runId, CancellationToken cancellationToken = default) =>
        Task.FromResult(_rows.GetValueOrDefault(runId));

    public Task<IReadOnlyList<RunVersion>> LoadVersionsAsync(IReadOnlyCollection<string> runIds, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<RunVersion> versions = [.. runIds.Distinct(StringComparer.Ordinal)
            .Select(id => _rows.GetValueOrDefault(id))
            .OfType<RunRow>()
            .Select(row => new RunVersion(row.Id, row.Version))];
        return Task.FromResult(versions);
    }

    public Task<IReadOnlyList<QueueEntry>> LoadQueueAsync(string queue, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<QueueEntry> entries = [.. _rows.Values
            .Where(r => r.Queue == queue && QueueMembership.InQueue(r, now))
            .OrderBy(r => r.QueueOrder)
            .Select(r => new QueueEntry(r.Id, r.RunStatus, r.QueueOrder, r.ConcurrencyKey, r.ExpiresAt, r.ResumeRequested))];
        return Task.FromResult(entries);
    }

    public Task<IReadOnlyDictionary<string, int>> CountSlotHoldersAsync(CancellationToken cancellationToken = default)
    {
        IReadOnlyDictionary<string, int> counts = _rows.Values
            .Where(QueueMembership.HoldsSlot)
            .GroupBy(r => r.Queue, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        return Task.FromResult(counts);
    }

    public Task<string?> FindByIdempotencyKeyAsync(string taskId, string keyHash, CancellationToken cancellationToken = default) =>
        Task.FromResult(_rows.Values
            .Where(r => r.TaskId == taskId && r.IdempotencyKey == keyHash)
            .OrderByDescending(r => r.CreatedAt)
            .Select(r => r.Id)
            .FirstOrDefault());

    public Task<IReadOnlyList<string>> FindQueuesWithBacklogAsync(CancellationToken cancellationToken = default)
    {
        IReadOnlyList<string> queues = [.. _rows.Values
            .Where(QueueMembership.InBacklog)
            .Select(r => r.Queue)
            .Distinct()];
        return Task.FromResult(queues);
    }

    public Task<IReadOnlyList<DueRun>> FindDueAsync(DateTimeOffset after, DateTimeOffset until, int limit, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<DueRun> due = [.. _rows.Values
            .Where(r => r.Owner is null && r.WakeAt is { } wakeAt && wakeAt > after && wakeAt <= until)
            .OrderBy(r => r.WakeAt)
            .Take(limit)
            .Select(r => new DueRun(r.Id, r.WakeAt!.Value))];
        return Task.FromResult(due);
    }

    public Task<IReadOnlyList<string>> FindOrphansAsync(IReadOnlyCollection<string> liveSilos, int limit, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<string> orphans = [.. _rows.Values
            .Where(r => r.Owner is not null && !liveSilos.Contains(r.Owner))
            .Take(limit)
            .Select(r => r.Id)];
        return Task.FromResult(orphans);
    }

    public Task<IReadOnlyList<RunSummary>> ListAsync(RunFilter filter, RunCursor? after, int limit, CancellationToken cancellationToken = default)
    {
        var statuses = filter.Statuses is { Count: > 0 } s ? s.Select(RunStatusExtensions.ToWireName).ToHashSet(StringComparer.Ordinal) : null;
        var keys = filter.IdempotencyKey is { } key ? StoredIdempotencyKeys.For(key) : null;
        IReadOnlyList<RunSummary> page = [.. _rows.Values
            .Where(r => statuses is null || statuses.Contains(r.Status))
            .Where(r => filter.TaskIds is not { Count: > 0 } || filter.TaskIds.Contains(r.TaskId))
            .Where(r => filter.Tags is not { Count: > 0 } || r.Tags.Any(filter.Tags.Contains))
            .Where(r => filter.BatchId is null || r.BatchId == filter.BatchId)
            .Where(r => filter.ScheduleId is null || r.ScheduleId == filter.ScheduleId)
            .Where(r => filter.ParentRunId is null || r.ParentRunId == filter.ParentRunId)
            .Where(r => filter.RootRunId is null || (r.ParentRunId is not null && r.RootRunId == filter.RootRunId))
            .Where(r => filter.Queues is not { Count: > 0 } || filter.Queues.Contains(r.Queue))
            .Where(r => filter.From is null || r.CreatedAt >= filter.From)
            .Where(r => filter.To is null || r.CreatedAt < filter.To)
            .Where(r => keys is null || (r.IdempotencyKey is { } stored && keys.Contains(stored)))
            .Where(r => after is null || r.CreatedAt < after.CreatedAt || (r.CreatedAt == after.CreatedAt && string.CompareOrdinal(r.Id, after.Id) < 0))
            .OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id, StringComparer.Ordinal)
            .Take(limit)
            .Select(RunSummaries.From)];
        return Task.FromResult(page);
    }
}
