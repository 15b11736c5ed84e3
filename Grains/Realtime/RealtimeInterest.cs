using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using OrleansTasks.Storage;
using OrleansTasks.Updates;

namespace OrleansTasks.Realtime;

/// <summary>
/// This silo's copy of the followed topics, asked before every run write whether anybody follows the run. With no
/// subscriber anywhere the answer costs one emptiness check. The register pushes each change here; every
/// <see cref="SyncEvery"/> the copy is also checked against the register, which registers this silo for pushes (again,
/// after the register restarted) and repairs a copy that missed a change.
/// </summary>
/// <remarks>
/// A change is taken before it is acknowledged, and the acknowledgement waits for the writes that began without it
/// (<see cref="DeclinedWrites"/>), so a subscriber whose lease returned reads a snapshot that has them. A copy that
/// gains topics by reading the register instead (a silo that just started, or one that missed a change) declined
/// writes nobody has read since: once they have ended, it reports them lost, so the subscribers read again.
/// </remarks>
internal sealed partial class RealtimeInterest(
    IGrainFactory grains,
    ILocalSiloDetails silo,
    DeclinedWrites declined,
    ILogger<RealtimeInterest> logger) : IRealtimeInterestListener, ILifecycleParticipant<ISiloLifecycle>
{
    public static readonly TimeSpan SyncEvery = TimeSpan.FromSeconds(2);

    /// <summary>How long a change waits for the writes that began without it; well inside the register's push limit.</summary>
    private static readonly TimeSpan s_drainLimit = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<RealtimeTopic, byte> _topics = new();
    private readonly Lock _lock = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _syncNow = new(0, 1);
    private Guid _epoch;
    private long _version = -1;
    private bool _lostToReport;
    private Task? _syncing;

    /// <summary>Whether anybody follows the run, its batch or one of its tags.</summary>
    public bool Follows(RunState run)
    {
        if (_topics.IsEmpty)
        {
            return false;
        }

        return TopicsOf(run.Id, run.BatchId, run.Tags).Any();
    }

    /// <summary>Whether anybody follows <paramref name="topic"/>.</summary>
    public bool IsFollowed(RealtimeTopic topic) => !_topics.IsEmpty && _topics.ContainsKey(topic);

    /// <summary>The followed topics the run belongs to.</summary>
    public IEnumerable<RealtimeTopic> TopicsOf(string runId, string? batchId, IReadOnlyList<string> tags)
    {
        if (_topics.IsEmpty)
        {
            yield break;
        }

        var run = RealtimeTopic.ForRun(runId);
        if (_topics.ContainsKey(run))
        {
            yield return run;
        }

        if (batchId is not null && _topics.ContainsKey(RealtimeTopic.ForBatch(batchId)))
        {
            yield return RealtimeTopic.ForBatch(batchId);
        }

        foreach (var tag in tags)
        {
            var topic = RealtimeTopic.ForTag(tag);
            if (_topics.ContainsKey(topic))
            {
                yield return topic;
            }
        }
    }

    public async Task<bool> ChangedAsync(InterestChange change)
    {
        lock (_lock)
        {
            if (change.Full)
            {
                Replace(change);
            }
            else if (change.Epoch == _epoch && change.Version == _version + 1)
            {
                Apply(change);
            }
            else if (change.Epoch != _epoch || change.Version > _version)
            {
                // A change this copy cannot apply on top of what it has: take its additions now (following too much
                // costs only updates nobody reads; following too little loses them) and read everything at once.
                foreach (var topic in change.Added)
                {
                    _topics[topic] = 0;
                }

                if (_syncNow.CurrentCount == 0)
                {
                    _syncNow.Release();
                }
            }
        }

        return change.Added.Length == 0 || await DrainAsync();
    }

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(RealtimeInterest), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    private Task StartAsync(CancellationToken cancellationToken)
    {
        // Off the lifecycle's context: an object reference cannot be made from inside a grain's.
        _syncing = Task.Run(SyncLoopAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_syncing is not null)
        {
            await _syncing.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task SyncLoopAsync()
    {
        var self = grains.CreateObjectReference<IRealtimeInterestListener>(this);
        var register = grains.Reference<IRealtimeInterestGrain>(0);
        var address = silo.SiloAddress.ToParsableString();
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                Guid epoch;
                long version;
                lock (_lock)
                {
                    (epoch, version) = (_epoch, _version);
                }

                if (await register.SyncAsync(address, self, epoch, version) is { } everything)
                {
                    lock (_lock)
                    {
                        _lostToReport |= Replace(everything);
                    }

                    LogReplaced(everything.Epoch, everything.Version, everything.Added.Length, _lostToReport);
                }

                if (_lostToReport)
                {
                    // Reported even when the drain ran out: those writes have begun, so a read after the report may
                    // still miss one, but a later report (the next sync) is no better placed than this one.
                    await DrainAsync();
                    await register.ReportLostAsync();
                    _lostToReport = false;
                    LogReportedLost();
                }
            }
            catch (Exception exception) when (!_stopping.IsCancellationRequested)
            {
                LogSyncFailed(exception);
            }

            try
            {
                await _syncNow.WaitAsync(SyncEvery, _stopping.Token);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task<bool> DrainAsync()
    {
        if (await declined.DrainAsync(s_drainLimit, _stopping.Token))
        {
            return true;
        }

        LogDrainTimedOut(s_drainLimit);
        return false;
    }

    /// <summary>Takes the register's whole list; returns whether it followed topics this copy did not have.</summary>
    private bool Replace(InterestChange change)
    {
        var gained = change.Added.Any(topic => !_topics.ContainsKey(topic));
        var followed = change.Added.ToHashSet();
        foreach (var topic in _topics.Keys)
        {
            if (!followed.Contains(topic))
            {
                _topics.TryRemove(topic, out _);
            }
        }

        foreach (var topic in change.Added)
        {
            _topics[topic] = 0;
        }

        (_epoch, _version) = (change.Epoch, change.Version);
        return gained;
    }

    private void Apply(InterestChange change)
    {
        foreach (var topic in change.Removed)
        {
            _topics.TryRemove(topic, out _);
        }

        foreach (var topic in change.Added)
        {
            _topics[topic] = 0;
        }

        _version = change.Version;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "This silo's copy of the followed realtime topics was read afresh: register {Epoch} version {Version}, {Count} topics; gained topics: {Gained}.")]
    private partial void LogReplaced(Guid epoch, long version, int count, bool gained);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Reported the run writes made while this silo's copy lacked followed topics as possibly lost.")]
    private partial void LogReportedLost();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run writes that began before a change of the followed realtime topics had not ended after {Limit}; subscribers will read their snapshots again.")]
    private partial void LogDrainTimedOut(TimeSpan limit);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not check this silo's copy of the followed realtime topics; trying again shortly.")]
    private partial void LogSyncFailed(Exception exception);
}
