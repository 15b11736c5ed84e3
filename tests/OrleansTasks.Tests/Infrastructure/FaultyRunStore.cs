using Npgsql;
using OrleansTasks.Listing;
using OrleansTasks.Storage;

namespace OrleansTasks.Tests.Infrastructure;

/// <summary>
/// The fixture's run store, with database failures on demand: inserting a run whose payload names a fault fails as
/// PostgreSQL's client would, permanently, or transiently for the first two tries.
/// </summary>
internal sealed class FaultyRunStore(IRunStore inner) : IRunStore
{
    public bool IsDurable => inner.IsDurable;

    public Task<IReadOnlyList<string>> DeleteFinishedBeforeAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken = default) =>
        inner.DeleteFinishedBeforeAsync(cutoff, batchSize, cancellationToken);

    public const string Permanent = "storage-fault:permanent";
    public const string TwiceTransient = "storage-fault:twice-transient";

    private readonly Dictionary<string, int> _tries = new(StringComparer.Ordinal);

    public Task<bool> TryInsertAsync(RunRow row, CancellationToken cancellationToken = default)
    {
        if (row.PayloadJson.Contains(Permanent, StringComparison.Ordinal))
        {
            throw new NpgsqlException("relation \"runs\" has no column \"nope\"");
        }

        if (row.PayloadJson.Contains(TwiceTransient, StringComparison.Ordinal))
        {
            lock (_tries)
            {
                var tries = _tries[row.Id] = _tries.GetValueOrDefault(row.Id) + 1;
                if (tries <= 2)
                {
                    throw new NpgsqlException("Exception while reading from stream", new IOException("connection reset"));
                }
            }
        }

        return inner.TryInsertAsync(row, cancellationToken);
    }

    public Task SaveAsync(RunRow row, CancellationToken cancellationToken = default) => inner.SaveAsync(row, cancellationToken);

    public Task WakeAsync(IReadOnlyList<string> runIds, CancellationToken cancellationToken = default) => inner.WakeAsync(runIds, cancellationToken);

    public Task<RunRow?> LoadAsync(string runId, CancellationToken cancellationToken = default) => inner.LoadAsync(runId, cancellationToken);

    public Task<IReadOnlyList<QueueEntry>> LoadQueueAsync(string queue, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        inner.LoadQueueAsync(queue, now, cancellationToken);

    public Task<IReadOnlyDictionary<string, int>> CountSlotHoldersAsync(CancellationToken cancellationToken = default) => inner.CountSlotHoldersAsync(cancellationToken);

    public Task<string?> FindByIdempotencyKeyAsync(string taskId, string keyHash, CancellationToken cancellationToken = default) =>
        inner.FindByIdempotencyKeyAsync(taskId, keyHash, cancellationToken);

    public Task<IReadOnlyList<string>> FindQueuesWithBacklogAsync(CancellationToken cancellationToken = default) => inner.FindQueuesWithBacklogAsync(cancellationToken);

    public Task<IReadOnlyList<DueRun>> FindDueAsync(DateTimeOffset after, DateTimeOffset until, int limit, CancellationToken cancellationToken = default) =>
        inner.FindDueAsync(after, until, limit, cancellationToken);

    public Task<IReadOnlyList<string>> FindOrphansAsync(IReadOnlyCollection<string> liveSilos, int limit, CancellationToken cancellationToken = default) =>
        inner.FindOrphansAsync(liveSilos, limit, cancellationToken);

    public Task<IReadOnlyList<RunSummary>> ListAsync(RunFilter filter, RunCursor? after, int limit, CancellationToken cancellationToken = default) =>
        inner.ListAsync(filter, after, limit, cancellationToken);

    public Task<IReadOnlyList<RunVersion>> LoadVersionsAsync(IReadOnlyCollection<string> runIds, CancellationToken cancellationToken = default) =>
        inner.LoadVersionsAsync(runIds, cancellationToken);
}
