using Orleans.Concurrency;

namespace OrleansTasks.Queues;

/// <summary>
/// One queue, keyed by queue name, with every copy of it that a concurrency key makes. It orders each key's backlog
/// (by queue time less priority credit), holds the key limits, the cap across keys and the rate limit, and grants
/// slots, so the limits hold across the whole cluster. Each slot also holds one of the environment's permits, which
/// the queue leases from the <see cref="IEnvironmentGrain"/>.
/// </summary>
[Alias("ot.IQueueGrain")]
internal interface IQueueGrain : IGrainWithStringKey
{
    /// <summary>Adds a run to its key's backlog; the queue grants it a slot through <c>IRunGrain.GrantSlotAsync</c>.</summary>
    [Alias("enqueue")]
    Task EnqueueAsync(QueueTicket ticket);

    /// <summary>Frees the run's slot, or takes it out of the backlog if it had none.</summary>
    [Alias("release")]
    Task ReleaseAsync(string runId);

    /// <summary>Engine: the environment grants permits, or tells the queue it has a new generation or contention.</summary>
    [Alias("permits"), OneWay]
    Task PermitsAsync(PermitGrant grant);

    /// <summary>The queue's limits and how many runs hold a slot and wait for one.</summary>
    [Alias("info")]
    Task<QueueInfo> GetInfoAsync();

    /// <summary>Stops granting slots; runs that hold one go on. Durable.</summary>
    [Alias("pause")]
    Task<QueueInfo> PauseAsync();

    /// <summary>Grants slots again.</summary>
    [Alias("resume")]
    Task<QueueInfo> ResumeAsync();

    /// <summary>Replaces the queue's concurrency limit (per key) until it is reset. Durable.</summary>
    [Alias("override-limit")]
    Task<QueueInfo> OverrideConcurrencyLimitAsync(int limit);

    /// <summary>Goes back to the concurrency limit the queue is defined with.</summary>
    [Alias("reset-limit")]
    Task<QueueInfo> ResetConcurrencyLimitAsync();
}

/// <summary>A run asking its queue for a slot.</summary>
/// <param name="RunId">The run.</param>
/// <param name="ConcurrencyKey">Its concurrency key; null for the queue's own copy.</param>
/// <param name="Order">Its place: milliseconds since the epoch at which it was queued, less its priority credit.</param>
/// <param name="ExpiresAt">When it expires if it has not started (its TTL); null for never.</param>
/// <param name="NotBefore">
/// A delayed run asking ahead: it starts at this moment, not before. It joins the backlog a second before it, so the
/// runs due at one moment are granted together, and each arms its start on its silo's start clock; null to join now.
/// </param>
[GenerateSerializer, Immutable, Alias("ot.QueueTicket")]
internal sealed record QueueTicket(
    [property: Id(0)] string RunId,
    [property: Id(1)] string? ConcurrencyKey,
    [property: Id(2)] long Order,
    [property: Id(3)] DateTimeOffset? ExpiresAt,
    [property: Id(4)] DateTimeOffset? NotBefore = null);
