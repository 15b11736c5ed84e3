using Orleans.Streams;
using OrleansTasks.Hosting;

namespace OrleansTasks.Realtime;

/// <summary>
/// One subscriber's hold on its topics: the process's shared stream subscriptions to them (<see cref="SharedTopics"/>),
/// then a lease in the register of followed topics, so every silo publishes them. Taken in that order, so nothing
/// published after the lease is missed; renewed at each heartbeat (it lasts three); released together, within a bound.
/// </summary>
internal sealed class TopicLease : IAsyncDisposable
{
    private readonly Guid _id = Guid.NewGuid();
    private readonly List<IAsyncDisposable> _following = [];
    private readonly TaskClient _client;
    private readonly IGrainFactory _grains;
    private readonly RealtimeTopic[] _topics;
    private readonly TimeSpan _length;

    private TopicLease(TaskClient client, IGrainFactory grains, RealtimeTopic[] topics, TaskClientOptions options)
    {
        _client = client;
        _grains = grains;
        _topics = topics;
        _length = options.RealtimeHeartbeat * 3;
    }

    /// <summary>
    /// The register of followed topics. Got for each call, inside the client's call wrapper: getting a grain reference
    /// needs the cluster's manifest, which a client that is still connecting does not have yet.
    /// </summary>
    private IRealtimeInterestGrain Register => _grains.Reference<IRealtimeInterestGrain>(0);

    /// <summary>The register's generation when the lease was taken or last renewed.</summary>
    public InterestGeneration Generation { get; private set; }

    /// <summary>Follows <paramref name="topics"/> with <paramref name="observer"/>, then takes the lease.</summary>
    public static async Task<TopicLease> TakeAsync<T>(
        TaskClient client, IGrainFactory grains, SharedTopics shared, RealtimeTopic[] topics, IAsyncObserver<T> observer, TaskClientOptions options, CancellationToken cancellationToken)
    {
        var lease = new TopicLease(client, grains, topics, options);
        try
        {
            foreach (var topic in topics)
            {
                lease._following.Add(await shared.FollowAsync(topic, observer, call => client.CallAsync(call, cancellationToken)).ConfigureAwait(false));
            }

            await lease.RenewAsync(cancellationToken).ConfigureAwait(false);
            return lease;
        }
        catch
        {
            await lease.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Renews the lease; returns whether the register's generation changed since (updates may have been lost).</summary>
    public async Task<bool> RenewAsync(CancellationToken cancellationToken)
    {
        var before = Generation;
        Generation = await _client.CallAsync(() => Register.WatchAsync(_id, _topics, _length), cancellationToken).ConfigureAwait(false);
        return Generation != before;
    }

    /// <summary>Best effort, and bounded: a lease ends by itself, and a client that is going away need not wait for the cluster.</summary>
    public async ValueTask DisposeAsync()
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        Task unwatch;
        try
        {
            unwatch = Generation == default ? Task.CompletedTask : Register.UnwatchAsync(_id);
        }
        catch (ObjectDisposedException)
        {
            unwatch = Task.CompletedTask; // the client is gone already; the lease ends by itself
        }

        var releases = _following.Select(f => f.DisposeAsync().AsTask()).Append(unwatch);
        await Task.WhenAll(releases).WaitAsync(limit.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
