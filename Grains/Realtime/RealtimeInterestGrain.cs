using Microsoft.Extensions.Logging;

namespace OrleansTasks.Realtime;

/// <summary>
/// The register of followed topics (<see cref="IRealtimeInterestGrain"/>). Held in memory: a register that starts
/// afresh (its silo died) has a new epoch, silos read it again, and subscribers, seeing the epoch change, renew their
/// leases and read their snapshots again. Leases end on their own, so a client that dies without saying goodbye stops
/// costing anything within one lease.
/// </summary>
internal sealed partial class RealtimeInterestGrain(
    IClusterMembershipService membership,
    TimeProvider time,
    ILogger<RealtimeInterestGrain> logger) : Grain, IRealtimeInterestGrain
{
    /// <summary>How long a silo's copy may take to acknowledge a change before the silo is left to catch up by reading it again.</summary>
    private static readonly TimeSpan s_pushLimit = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan s_sweepEvery = TimeSpan.FromSeconds(5);

    private readonly Guid _epoch = Guid.NewGuid();
    private readonly Dictionary<Guid, Lease> _leases = [];
    private readonly Dictionary<RealtimeTopic, int> _followers = [];
    private readonly Dictionary<string, IRealtimeInterestListener> _listeners = new(StringComparer.Ordinal);
    private long _version;

    /// <summary>
    /// Silos dropped because a change could not reach them, changes a silo took without seeing its earlier writes end,
    /// and reports of updates a silo could not publish; part of the generation, as subscribers may have missed updates.
    /// </summary>
    private long _dropped;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(static (grain, _) => grain.SweepAsync(), this, new GrainTimerCreationOptions(s_sweepEvery, s_sweepEvery) { KeepAlive = true });
        LogStarted(_epoch);
        return Task.CompletedTask;
    }

    public async Task<InterestGeneration> WatchAsync(Guid subscription, RealtimeTopic[] topics, TimeSpan lease)
    {
        ArgumentNullException.ThrowIfNull(topics);
        var until = time.GetUtcNow() + lease;
        if (_leases.TryGetValue(subscription, out var held) && held.Topics.SequenceEqual(topics))
        {
            _leases[subscription] = held with { Until = until };
            return Generation();
        }

        // A silo applies a change's removals before its additions, so a topic in both (a lease moved) stays followed.
        var removed = held is null ? [] : Release(held.Topics);
        topics = [.. topics.Distinct()];
        _leases[subscription] = new Lease(topics, until);
        var added = new List<RealtimeTopic>();
        foreach (var topic in topics)
        {
            var count = _followers.GetValueOrDefault(topic);
            _followers[topic] = count + 1;
            if (count == 0)
            {
                added.Add(topic);
            }
        }

        await PushAsync([.. added], removed);
        var generation = Generation();
        LogWatched(subscription, topics.Length, generation.Membership);
        return generation;
    }

    public async Task UnwatchAsync(Guid subscription)
    {
        if (_leases.Remove(subscription, out var held))
        {
            await PushAsync([], Release(held.Topics));
        }
    }

    public Task<InterestChange?> SyncAsync(string silo, IRealtimeInterestListener listener, Guid epoch, long version)
    {
        _listeners[silo] = listener;
        return Task.FromResult(epoch == _epoch && version == _version ? null : Everything());
    }

    public Task<bool> FollowsAsync(RealtimeTopic topic) => Task.FromResult(_followers.ContainsKey(topic));

    public Task ReportLostAsync()
    {
        LogLostReported(_dropped + 1);
        _dropped++;
        return Task.CompletedTask;
    }

    private InterestGeneration Generation() => new(_epoch, membership.CurrentSnapshot.Version.Value + _dropped);

    private InterestChange Everything() => new(_epoch, _version, Full: true, [.. _followers.Keys], []);

    private RealtimeTopic[] Release(RealtimeTopic[] topics)
    {
        var removed = new List<RealtimeTopic>();
        foreach (var topic in topics)
        {
            if (_followers.TryGetValue(topic, out var count))
            {
                if (count <= 1)
                {
                    _followers.Remove(topic);
                    removed.Add(topic);
                }
                else
                {
                    _followers[topic] = count - 1;
                }
            }
        }

        return [.. removed];
    }

    /// <summary>Tells every silo of a change, and returns once each has taken it or has been dropped to catch up by itself.</summary>
    private async Task PushAsync(RealtimeTopic[] added, RealtimeTopic[] removed)
    {
        if (added.Length == 0 && removed.Length == 0)
        {
            return;
        }

        _version++;
        var change = new InterestChange(_epoch, _version, Full: false, added, removed);
        var pushes = _listeners.Select(async pair =>
        {
            try
            {
                var complete = await pair.Value.ChangedAsync(change).WaitAsync(s_pushLimit);
                return (Silo: pair.Key, Reached: true, Complete: complete);
            }
            catch (Exception exception)
            {
                LogPushFailed(exception, pair.Key);
                return (Silo: pair.Key, Reached: false, Complete: false);
            }
        }).ToList();
        foreach (var push in await Task.WhenAll(pushes))
        {
            if (!push.Reached)
            {
                _listeners.Remove(push.Silo);
            }

            if (!push.Complete)
            {
                LogPushIncomplete(push.Silo, _version);
                _dropped++;
            }
        }
    }

    private async Task SweepAsync()
    {
        var now = time.GetUtcNow();
        var expired = _leases.Where(l => l.Value.Until <= now).Select(l => l.Key).ToList();
        var removed = new List<RealtimeTopic>();
        foreach (var subscription in expired)
        {
            _leases.Remove(subscription, out var held);
            removed.AddRange(Release(held!.Topics));
        }

        // A silo that left the cluster is no longer told anything.
        var snapshot = membership.CurrentSnapshot;
        foreach (var silo in _listeners.Keys.ToList())
        {
            var address = SiloAddress.FromParsableString(silo);
            if (snapshot.GetSiloStatus(address).IsTerminating())
            {
                _listeners.Remove(silo);
            }
        }

        await PushAsync([], [.. removed]);
    }

    private sealed record Lease(RealtimeTopic[] Topics, DateTimeOffset Until);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Silo {Silo} took change {Version} without seeing its earlier writes end.")]
    private partial void LogPushIncomplete(string silo, long version);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Subscription {Subscription} leased {Count} topics; generation {Generation}.")]
    private partial void LogWatched(Guid subscription, int count, long generation);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The register of followed realtime topics started afresh as {Epoch}.")]
    private partial void LogStarted(Guid epoch);

    [LoggerMessage(Level = LogLevel.Debug, Message = "A silo reported realtime updates lost; losses now {Dropped}.")]
    private partial void LogLostReported(long dropped);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A change of the followed realtime topics did not reach silo {Silo}; it will read them again.")]
    private partial void LogPushFailed(Exception exception, string silo);
}
