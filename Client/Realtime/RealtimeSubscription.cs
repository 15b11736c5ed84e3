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
/// queue that held them, and a stream's delivery can stall while its queues move between silos. The heartbeat
/// (<see cref="TaskClientOptions.RealtimeHeartbeat"/>) renews the lease and then makes sure nothing was missed:
/// <list type="bullet">
/// <item>whenever a loss is known to be possible (the cluster's membership changed, the register started afresh or
/// dropped a silo, a stream reported an error, a heartbeat failed), it reads the snapshot again: the listing, and
/// each run seen but not yet seen final;</item>
/// <item>otherwise a run subscription reads its one run, and a tag or batch subscription compares stored versions
/// with what it has (one read for the runs it has not seen final and those created lately, see
/// <see cref="IRunQueryGrain.VersionsAsync"/>) and reads again only the runs it is behind on. A loss nobody noticed
/// is caught this way.</item>
/// </list>
/// So a final state is never missed; at worst it arrives one heartbeat late.
/// </remarks>
internal sealed class RealtimeSubscription : IAsyncDisposable
{
    /// <summary>How far back a version check looks for runs created since the last one: a run's creation time is set before its first write commits.</summary>
    private static readonly TimeSpan s_createdMargin = TimeSpan.FromSeconds(30);

    private readonly RealtimeQuery _query;
    private readonly RealtimeTopic[] _topics;
    private readonly TaskClient _client;
    private readonly IGrainFactory _grains;
    private readonly TaskClientOptions _options;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _closing = new();
    private TopicLease? _lease;
    private DateTimeOffset _checkedFrom;
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
        _checkedFrom = _time.GetUtcNow() - s_createdMargin;
        var unfinished = Feed.Unfinished();
        RunCursor? after = null;
        for (var read = 0; read < RealtimeQuery.MaxSnapshotRuns;)
        {
            var page = await _client.CallAsync(() => _grains.Reference<IRunQueryGrain>(0).ListRunsAsync(filter, after), cancellationToken).ConfigureAwait(false);
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

    /// <summary>Reads again the runs whose stored version is newer than the newest state this subscription has of them.</summary>
    private async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        var from = _checkedFrom;
        _checkedFrom = _time.GetUtcNow() - s_createdMargin;
        var query = _grains.Reference<IRunQueryGrain>(0);
        var behind = new List<string>();
        foreach (var ids in Feed.Unfinished().Chunk(IRunQueryGrain.MaxVersionsAsked).DefaultIfEmpty([]))
        {
            var versions = await _client.CallAsync(() => query.VersionsAsync(_query.Filter!, from, ids), cancellationToken).ConfigureAwait(false);
            behind.AddRange(versions.Where(v => v.Version > Feed.VersionOf(v.Id)).Select(v => v.Id));
        }

        foreach (var ids in behind.Distinct(StringComparer.Ordinal).Chunk(RunFilter.MaxPageSize))
        {
            foreach (var run in await _client.CallAsync(() => query.GetRunsAsync(ids), cancellationToken).ConfigureAwait(false))
            {
                Feed.Offer(run);
            }
        }
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
                else
                {
                    await CatchUpAsync(closing).ConfigureAwait(false);
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
