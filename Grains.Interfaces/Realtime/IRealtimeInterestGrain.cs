namespace OrleansTasks.Realtime;

/// <summary>
/// The cluster's register of what realtime subscribers follow (one activation, key 0). Subscribers hold leases on
/// topics; every silo keeps a copy of the followed topics (pushed to it on each change, and read again whenever it
/// may have missed one), and publishes only the updates of runs someone follows. Engine grain.
/// </summary>
[Alias("ot.IRealtimeInterestGrain")]
internal interface IRealtimeInterestGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Starts or renews <paramref name="subscription"/>'s lease on <paramref name="topics"/> until
    /// <paramref name="lease"/> from now. Returns once every silo has been told, so a run that changes afterwards
    /// publishes its update. The answer's generation changes whenever a silo joined or left or the register itself
    /// started afresh: a subscriber that sees it change reads its snapshot again, as updates may have been lost.
    /// </summary>
    [Alias("watch")]
    Task<InterestGeneration> WatchAsync(Guid subscription, RealtimeTopic[] topics, TimeSpan lease);

    /// <summary>Ends <paramref name="subscription"/>'s lease at once.</summary>
    [Alias("unwatch")]
    Task UnwatchAsync(Guid subscription);

    /// <summary>
    /// A silo's periodic check: registers <paramref name="listener"/> for pushed changes and returns every followed
    /// topic when the silo's copy (<paramref name="epoch"/>, <paramref name="version"/>) is not the current one.
    /// </summary>
    [Alias("sync")]
    Task<InterestChange?> SyncAsync(string silo, IRealtimeInterestListener listener, Guid epoch, long version);

    /// <summary>Whether any subscription holds a lease on <paramref name="topic"/> now (for tests and diagnostics).</summary>
    [Alias("follows")]
    Task<bool> FollowsAsync(RealtimeTopic topic);

    /// <summary>A silo could not publish some updates: the generation moves on, so subscribers read their snapshots again.</summary>
    [Alias("lost")]
    Task ReportLostAsync();
}

/// <summary>A silo's copy of the followed topics, told of each change.</summary>
[Alias("ot.IRealtimeInterestListener")]
internal interface IRealtimeInterestListener : IGrainObserver
{
    /// <summary>
    /// Takes <paramref name="change"/>, and returns once the run writes that began on the silo before it have ended, so
    /// a snapshot read afterwards has them. False when some had not ended within a bound: their updates may be lost.
    /// </summary>
    [Alias("changed")]
    Task<bool> ChangedAsync(InterestChange change);
}

/// <summary>
/// A change of the followed topics: version <see cref="Version"/> of the register started at <see cref="Epoch"/>.
/// <see cref="Full"/> lists every topic in <see cref="Added"/>; otherwise the change applies only on top of version
/// <see cref="Version"/> − 1, and a copy at any other version must read everything again.
/// </summary>
[GenerateSerializer, Alias("ot.InterestChange")]
internal sealed record InterestChange(
    [property: Id(0)] Guid Epoch,
    [property: Id(1)] long Version,
    [property: Id(2)] bool Full,
    [property: Id(3)] RealtimeTopic[] Added,
    [property: Id(4)] RealtimeTopic[] Removed);

/// <summary>Which register answered (<see cref="Epoch"/>) and which cluster membership it saw (<see cref="Membership"/>).</summary>
[GenerateSerializer, Alias("ot.InterestGeneration")]
internal readonly record struct InterestGeneration([property: Id(0)] Guid Epoch, [property: Id(1)] long Membership);
