namespace OrleansTasks.Queues;

/// <summary>The defined queues, for the Queues API: a stateless worker that asks each queue grain for its state.</summary>
[Alias("ot.IQueueDirectoryGrain")]
internal interface IQueueDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>Every defined queue, by name.</summary>
    [Alias("list")]
    Task<IReadOnlyList<QueueInfo>> ListAsync();
}
