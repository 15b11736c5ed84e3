namespace OrleansTasks;

/// <summary>Reads and controls queues; <see cref="ITaskClient.Queues"/>. Every call names a defined queue.</summary>
public interface IQueuesClient
{
    /// <summary>Every defined queue with its limits, running and queued counts, in name order.</summary>
    Task<IReadOnlyList<QueueInfo>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>One queue: its limits (base, override, in force), running and queued counts, and whether it is paused.</summary>
    /// <exception cref="QueueNotFoundException">No queue has this name.</exception>
    Task<QueueInfo> RetrieveAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Stops the queue granting slots; runs already executing go on. Survives restarts.</summary>
    /// <exception cref="QueueNotFoundException">No queue has this name.</exception>
    Task<QueueInfo> PauseAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Lets a paused queue grant slots again.</summary>
    /// <exception cref="QueueNotFoundException">No queue has this name.</exception>
    Task<QueueInfo> ResumeAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Replaces the queue's concurrency limit (per concurrency key) until reset. Survives restarts.</summary>
    /// <exception cref="QueueNotFoundException">No queue has this name.</exception>
    /// <exception cref="InvalidRequestException">The limit is not between 0 and 100,000.</exception>
    Task<QueueInfo> OverrideConcurrencyLimitAsync(string name, int limit, CancellationToken cancellationToken = default);

    /// <summary>Goes back to the limit the queue is defined with.</summary>
    /// <exception cref="QueueNotFoundException">No queue has this name.</exception>
    Task<QueueInfo> ResetConcurrencyLimitAsync(string name, CancellationToken cancellationToken = default);
}
