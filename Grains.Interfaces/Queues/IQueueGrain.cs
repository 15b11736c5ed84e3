using Orleans.Concurrency;

namespace OrleansTasks.Queues;

/// <summary>
/// One queue with a concurrency limit, keyed by queue name. It orders the backlog (FIFO by queue time) and
/// grants slots, so the limit holds across the whole cluster. Queues without a limit never go through here.
/// </summary>
[Alias("ot.IQueueGrain")]
public interface IQueueGrain : IGrainWithStringKey
{
    /// <summary>Adds a run to the backlog; the queue grants it a slot through <c>IRunGrain.GrantSlotAsync</c>.</summary>
    /// <param name="runId">The run.</param>
    /// <param name="order">Its place: milliseconds since the epoch at which it was first queued.</param>
    [Alias("enqueue"), OneWay]
    Task EnqueueAsync(string runId, long order);

    /// <summary>Frees the run's slot, or takes it out of the backlog if it had none.</summary>
    [Alias("release"), OneWay]
    Task ReleaseAsync(string runId);

    /// <summary>The queue's limit, and how many runs hold a slot and wait for one.</summary>
    [Alias("info")]
    Task<QueueInfo> GetInfoAsync();
}

/// <summary>A queue's state at a moment.</summary>
/// <param name="Name">The queue name.</param>
/// <param name="ConcurrencyLimit">The limit; null for none.</param>
/// <param name="Running">Runs holding a slot.</param>
/// <param name="Queued">Runs waiting for one.</param>
[GenerateSerializer, Alias("ot.QueueInfo")]
public sealed record QueueInfo(string Name, int? ConcurrencyLimit, int Running, int Queued);
