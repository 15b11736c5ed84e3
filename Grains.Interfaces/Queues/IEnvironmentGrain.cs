using Orleans.Concurrency;

namespace OrleansTasks.Queues;

/// <summary>
/// The environment's concurrency limit: how many runs may hold a slot at once across all queues. One per cluster.
/// Queues lease permits from it, one per slot they grant, so the sum over queues never passes the limit; a queue
/// keeps reusing its permits while no other queue waits, so the common path costs the environment nothing.
/// </summary>
[Alias("ot.IEnvironmentGrain")]
internal interface IEnvironmentGrain : IGrainWithIntegerKey
{
    /// <summary>A queue says how many permits it holds and how many more it wants.</summary>
    [Alias("update"), OneWay]
    Task UpdateAsync(PermitDemand demand);

    /// <summary>The limit, the permits out and the queues waiting.</summary>
    [Alias("info")]
    Task<EnvironmentInfo> GetInfoAsync();
}

/// <summary>A queue's report to the environment. Absolute, so a lost or reordered report heals with the next.</summary>
/// <param name="Queue">The queue.</param>
/// <param name="Epoch">The queue activation's id: grants meant for an earlier activation are void.</param>
/// <param name="Sequence">Orders the activation's reports; an older one arriving late is ignored.</param>
/// <param name="Generation">The environment generation the queue last heard from.</param>
/// <param name="Held">Permits the queue holds.</param>
/// <param name="Received">Permits it has received from that generation, so grants still in flight are counted.</param>
/// <param name="Wanted">Permits it could use now beyond those it holds.</param>
/// <param name="Head">The order of its best waiting run: queues are served best head first.</param>
[GenerateSerializer, Immutable, Alias("ot.PermitDemand")]
internal sealed record PermitDemand(
    [property: Id(0)] string Queue,
    [property: Id(1)] Guid Epoch,
    [property: Id(2)] long Sequence,
    [property: Id(3)] long Generation,
    [property: Id(4)] int Held,
    [property: Id(5)] long Received,
    [property: Id(6)] int Wanted,
    [property: Id(7)] long Head);

/// <summary>Permits for a queue, or news of a new environment generation or of contention.</summary>
/// <param name="Generation">The environment activation's generation (its start time in ticks).</param>
/// <param name="Epoch">The queue activation the permits are for; <see cref="Guid.Empty"/> for news only.</param>
/// <param name="Count">How many permits.</param>
/// <param name="Contended">True while other queues wait: permits freed are to be handed back rather than reused.</param>
/// <param name="Free">Permits still free after this grant: while none are, a queue need not report that it wants more.</param>
[GenerateSerializer, Immutable, Alias("ot.PermitGrant")]
internal sealed record PermitGrant(
    [property: Id(0)] long Generation,
    [property: Id(1)] Guid Epoch,
    [property: Id(2)] int Count,
    [property: Id(3)] bool Contended,
    [property: Id(4)] int Free = 0);

/// <summary>The environment's limit at a moment.</summary>
/// <param name="ConcurrencyLimit">How many runs may hold a slot at once.</param>
/// <param name="Held">Permits out.</param>
/// <param name="WaitingQueues">Queues waiting for permits.</param>
/// <param name="PeakHeld">The most permits out at once since the environment grain was activated.</param>
[GenerateSerializer, Immutable, Alias("ot.EnvironmentInfo")]
public sealed record EnvironmentInfo(
    [property: Id(0)] int ConcurrencyLimit,
    [property: Id(1)] int Held,
    [property: Id(2)] int WaitingQueues,
    [property: Id(3)] int PeakHeld);
