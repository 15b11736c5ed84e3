using Orleans.Streams;
using OrleansTasks.Hosting;
using OrleansTasks.Listing;
using OrleansTasks.Runs;

namespace OrleansTasks.Realtime;

/// <summary>
/// One open subscription: its streams, its lease in the register of followed topics, its snapshot, and a heartbeat.
/// The order of opening is what makes it complete: the streams are listened to first, then the lease is taken (every
/// silo publishes the topics' updates from then on), then the snapshot is read; so every change after the snapshot
/// arrives on a stream, and the feed keeps whichever state of a run is newest.
/// </summary>
/// <remarks>
/// Updates can still be lost: a silo can die with updates it had not yet published, or with the in-memory stream
/// queue that held them. The heartbeat (<see cref="TaskClientOptions.RealtimeHeartbeat"/>) renews the lease and
/// reads the snapshot again whenever that may have happened: when the cluster's membership changed, when the
/// register started afresh or dropped a silo, when a stream reported an error, or when a heartbeat failed. A run
/// subscription reads its one run at every heartbeat, as that costs one call; a tag or batch subscription reads its
/// listing and each run it has seen but not yet seen final. So a final state is never missed; at
/// worst it arrives one heartbeat late.
/// </remarks>
internal sealed class RealtimeSubscription : IAsyncDisposable
{
    private readonly RealtimeQuery _query;
    private readonly RealtimeTopic[] _topics;
    private readonly TaskClient _client;
    private readonly IGrainFactory _grains;
    private readonly TaskClientOptions _options;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _closing = new();
    private TopicLease? _lease;
    private volatile bool _troubled;
    private Task? _heartbeat;

    private RealtimeSubscription(RealtimeQuery query, TaskClient client, IGrainFactory grains, TaskClientOptions options, TimeProvider time)
    {
        _query = query;
        _topics = query.Topics;
        _client = client;
        _grains = grains;
        _options = options;
        _time = time;
        Feed = new RunFeed(query.Belongs) { Troubled = () => _troubled = true };
    }

    public RunFeed Feed { get; }

    public static async Task<RealtimeSubscription> OpenAsync(
        RealtimeQuery query, TaskClient client, IGrainFactory grains, SharedTopics topics, TaskClientOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        var subscription = new RealtimeSubscription(query, client, grains, options, time);
        try
        {
            subscription._lease = await TopicLease.TakeAsync<RunUpdateBatch>(client, grains, topics, subscription._topics, subscription.Feed, options, cancellationToken).ConfigureAwait(false);
            await subscription.ReadSnapshotAsync(cancellationToken).ConfigureAwait(false);
            subscription._heartbeat = Task.Run(subscription.HeartbeatAsync, CancellationToken.None);
            return subscription;
        }
        catch
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync().ConfigureAwait(false);
        if (_heartbeat is not null)
        {
            await _heartbeat.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (_lease is not null)
        {
            await _lease.DisposeAsync().ConfigureAwait(false);
        }

        _closing.Dispose();
    }

    private async Task ReadSnapshotAsync(CancellationToken cancellationToken)
    {
        if (_query.RunId is { } runId)
        {
            Feed.Offer(await _client.RetrieveAsync(runId, cancellationToken).ConfigureAwait(false));
            return;
        }

        var filter = _query.Filter!;
        var unfinished = Feed.Unfinished();
        RunCursor? after = null;
        for (var read = 0; read < RealtimeQuery.MaxSnapshotRuns;)
        {
            var page = await _client.CallAsync(() => _grains.GetGrain<IRunQueryGrain>(0).ListRunsAsync(filter, after), cancellationToken).ConfigureAwait(false);
            foreach (var run in page)
            {
                Feed.Offer(run);
            }

            read += page.Count;
            if (page.Count < filter.PageSize)
            {
                break;
            }

            after = new RunCursor(page[^1].CreatedAt, page[^1].Id);
        }

        // The listing has the newest runs; a run followed since and not yet seen final may be older than those, and its
        // last updates are what may have been lost. Each is read again on its own (the feed drops what it has already).
        await Parallel.ForEachAsync(unfinished, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (runId, ct) =>
        {
            try
            {
                Feed.Offer(await _client.RetrieveAsync(runId, ct).ConfigureAwait(false));
            }
            catch (RunNotFoundException)
            {
                // Deleted by retention meanwhile: nothing more will come of it.
            }
        }).ConfigureAwait(false);
    }

    private async Task HeartbeatAsync()
    {
        var closing = _closing.Token;
        while (!closing.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.RealtimeHeartbeat, _time, closing).ConfigureAwait(false);
                var changed = await _lease!.RenewAsync(closing).ConfigureAwait(false);
                if (_troubled || changed || _query.RunId is not null)
                {
                    _troubled = false;
                    await ReadSnapshotAsync(closing).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (closing.IsCancellationRequested)
            {
                return;
            }
            catch (RunNotFoundException exception)
            {
                // The run was deleted (retention): nothing more will come.
                Feed.Fail(exception);
                return;
            }
            catch (Exception)
            {
                // The cluster is out of reach for now; once it answers again, everything is read afresh.
                _troubled = true;
            }
        }
    }
}
