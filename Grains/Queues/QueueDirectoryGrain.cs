using Orleans.Concurrency;
using OrleansTasks.Registry;

namespace OrleansTasks.Queues;

/// <summary>The <see cref="IQueueDirectoryGrain"/>: the silo's queue definitions, each with its queue grain's state.</summary>
[StatelessWorker]
internal sealed class QueueDirectoryGrain(TaskRegistry registry) : Grain, IQueueDirectoryGrain
{
    public async Task<IReadOnlyList<QueueInfo>> ListAsync()
    {
        var names = registry.Queues.Select(q => q.Name!).Order(StringComparer.Ordinal).ToList();
        return await Task.WhenAll(names.Select(name => GrainFactory.Reference<IQueueGrain>(name).GetInfoAsync()));
    }
}
