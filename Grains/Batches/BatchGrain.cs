using OrleansTasks.Registry;
using OrleansTasks.Runs;
using OrleansTasks.Triggering;

namespace OrleansTasks.Batches;

/// <summary>
/// A batch trigger: every item is checked before any run is created, then the runs are created together (their
/// inserts share commits in the run store). Item run ids follow from the batch id, so a retried call is idempotent.
/// </summary>
internal sealed class BatchGrain(TaskRegistry registry, TimeProvider time) : Grain, IBatchGrain
{
    public async Task<BatchHandle> TriggerAsync(IReadOnlyList<TriggerRequest> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        if (items.Count > TaskLimits.MaxBatchItems)
        {
            throw new BatchTooLargeException(items.Count, TaskLimits.MaxBatchItems);
        }

        foreach (var item in items)
        {
            var descriptor = registry.Resolve(item.TaskId, item.TaskType);
            TriggerValidation.Validate(descriptor.Id, item.PayloadJson, item.Options ?? new TriggerOptions(), time.GetUtcNow());
        }

        var batchId = this.GetPrimaryKeyString();
        var runs = await Task.WhenAll(items.Select((item, index) =>
            RunStarter.TriggerAsync(GrainFactory, registry, item with { BatchId = batchId }, RunIds.ForBatchItem(batchId, index))));
        DeactivateOnIdle();
        return new BatchHandle(batchId, runs);
    }
}
