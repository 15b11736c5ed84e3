using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansTasks.Hosting;

namespace OrleansTasks.Logs;

/// <summary>When and how the log cleaner runs; settable for tests, not configuration.</summary>
internal sealed class RunLogCleanerOptions
{
    /// <summary>How long after the silo starts the first pass runs. Default: 1 minute.</summary>
    public TimeSpan FirstPassDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long from one pass to the next. Default: 1 hour.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How many entries one delete removes at most. Default: 10,000.</summary>
    public int BatchSize { get; set; } = 10_000;
}

/// <summary>
/// Per silo: deletes run log entries older than <see cref="OrleansTasksOptions.LogRetention"/>, shortly after start
/// and then every <see cref="RunLogCleanerOptions.Interval"/>, in batches until a batch deletes fewer than it may. Each
/// wait is lengthened by up to a tenth at random, so silos started together do not all clean at the same moment.
/// Does nothing when the retention is null (logs are kept forever).
/// </summary>
internal sealed partial class RunLogCleaner(
    IRunLogStore store,
    IOptions<OrleansTasksOptions> options,
    IOptions<RunLogCleanerOptions> cleanerOptions,
    TimeProvider time,
    ILogger<RunLogCleaner> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stopping = new();
    private Task? _cleaning;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(RunLogCleaner), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    /// <summary>One pass: deletes every entry older than the retention, a batch at a time. Returns how many it deleted.</summary>
    internal async Task<int> CleanAsync(CancellationToken cancellationToken)
    {
        if (options.Value.LogRetention is not { } retention)
        {
            return 0;
        }

        var batchSize = cleanerOptions.Value.BatchSize;
        var cutoff = time.GetUtcNow() - retention;
        var total = 0;
        int deleted;
        do
        {
            deleted = await store.DeleteOlderThanAsync(cutoff, batchSize, cancellationToken).ConfigureAwait(false);
            total += deleted;
        }
        while (deleted >= batchSize);

        if (total > 0)
        {
            LogDeleted(total, cutoff);
        }

        return total;
    }

    internal Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.LogRetention is not null)
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
