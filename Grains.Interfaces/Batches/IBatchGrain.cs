using OrleansTasks.Runs;

namespace OrleansTasks.Batches;

/// <summary>One batch trigger, keyed by batch id: it checks every item, then creates one run per item.</summary>
[Alias("ot.IBatchGrain")]
internal interface IBatchGrain : IGrainWithStringKey
{
    /// <summary>
    /// Creates the runs of the batch, in item order. Run ids follow from the batch id and item index, so calling
    /// again with the same batch id returns the same runs instead of creating new ones.
    /// </summary>
    /// <exception cref="BatchTooLargeException">More than <see cref="TaskLimits.MaxBatchItems"/> items.</exception>
    /// <exception cref="UnknownTaskException">An item names an unregistered task; nothing was created.</exception>
    [Alias("trigger")]
    Task<BatchHandle> TriggerAsync(IReadOnlyList<TriggerRequest> items);
}
