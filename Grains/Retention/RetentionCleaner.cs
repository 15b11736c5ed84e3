using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansTasks.Hosting;
using OrleansTasks.Logs;
using OrleansTasks.Storage;

namespace OrleansTasks.Retention;

/// <summary>When and how the retention cleaner runs; settable for tests, not configuration.</summary>
internal sealed class RetentionCleanerOptions
{
    /// <summary>How long after the silo starts the first pass runs. Default: 1 minute.</summary>
    public TimeSpan FirstPassDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long from one pass to the next. Default: 1 hour.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How many rows one delete removes at most. Default: 1,000: a short statement, so the hot path hardly notices.</summary>
    public int BatchSize { get; set; } = 1_000;
}

/// <summary>
/// Per silo: deletes what has outlived its retention, shortly after start and then every
/// <see cref="RetentionCleanerOptions.Interval"/>, in small batches until a batch deletes fewer than it may:
/// finished runs older than <see cref="OrleansTasksOptions.RunRetention"/> (their state, journals and attempt history
/// are their row; their log entries go with them), then log entries older than
/// <see cref="OrleansTasksOptions.LogRetention"/>; data-stream chunks older than <see cref="OrleansTasksOptions.StreamRetention"/>. A retention of null keeps that data forever. Each wait is
/// lengthened by up to a tenth at random, so silos started together do not all clean at the same moment; the stores
/// skip rows another silo's cleaner is deleting.
/// </summary>
internal sealed partial class RetentionCleaner(
    IRunStore runs,
    IRunLogStore logs,
    Streams.IRunStreamStore streams,
    IOptions<OrleansTasksOptions> options,
    IOptions<RetentionCleanerOptions> cleanerOptions,
    TimeProvider time,
    ILogger<RetentionCleaner> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stopping = new();
    private Task? _cleaning;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(RetentionCleaner), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    /// <summary>One pass over every kind of data with a retention. Returns how many runs, log entries and stream chunks it deleted.</summary>
    internal async Task<(int Runs, int LogEntries, int StreamChunks)> CleanAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var batchSize = cleanerOptions.Value.BatchSize;
        var deletedRuns = 0;
        if (options.Value.RunRetention is { } runRetention)
        {
            var cutoff = now - runRetention;
            deletedRuns = await SweepAsync(async ct =>
            {
                var ids = await runs.DeleteFinishedBeforeAsync(cutoff, batchSize, ct).ConfigureAwait(false);
                if (ids.Count > 0)
                {
                    await logs.DeleteRunsAsync(ids, ct).ConfigureAwait(false);
                }

                return ids.Count;
            }, batchSize, cancellationToken).ConfigureAwait(false);
            if (deletedRuns > 0)
            {
                LogDeletedRuns(deletedRuns, cutoff);
            }
        }

        var deletedEntries = 0;
        if (options.Value.LogRetention is { } logRetention)
        {
            var cutoff = now - logRetention;
            deletedEntries = await SweepAsync(ct => logs.DeleteOlderThanAsync(cutoff, batchSize, ct), batchSize, cancellationToken).ConfigureAwait(false);
            if (deletedEntries > 0)
            {
                LogDeletedEntries(deletedEntries, cutoff);
            }
        }

        var deletedChunks = 0;
        if (options.Value.StreamRetention is { } streamRetention)
        {
            var cutoff = now - streamRetention;
            deletedChunks = await SweepAsync(ct => streams.DeleteStoredBeforeAsync(cutoff, batchSize, ct), batchSize, cancellationToken).ConfigureAwait(false);
            if (deletedChunks > 0)
            {
                LogDeletedChunks(deletedChunks, cutoff);
            }
        }

        return (deletedRuns, deletedEntries, deletedChunks);
    }

    internal Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.RunRetention is not null || options.Value.LogRetention is not null || options.Value.StreamRetention is not null)
        {
            _cleaning = Task.Run(CleanLoopAsync, CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    internal async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_cleaning is not null)
        {
            await _cleaning.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _stopping.Dispose();
    }

    /// <summary>Deletes a batch at a time until a batch comes back short.</summary>
    private static async Task<int> SweepAsync(Func<CancellationToken, Task<int>> deleteBatchAsync, int batchSize, CancellationToken cancellationToken)
    {
        var total = 0;
        int deleted;
        do
        {
            deleted = await deleteBatchAsync(cancellationToken).ConfigureAwait(false);
            total += deleted;
        }
        while (deleted >= batchSize);

        return total;
    }

    private async Task CleanLoopAsync()
    {
        var settings = cleanerOptions.Value;
        var wait = settings.FirstPassDelay;
        while (true)
        {
            try
            {
                await Task.Delay(wait + (wait * (0.1 * Random.Shared.NextDouble())), time, _stopping.Token).ConfigureAwait(false);
                await CleanAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                LogCleanFailed(exception, settings.Interval);
            }

            wait = settings.Interval;
        }
    }
}
