using Orleans.Concurrency;
using OrleansTasks.Storage;

namespace OrleansTasks.Listing;

/// <summary>
/// Reads pages of runs straight from the run store; a stateless worker, so listings are served by the silo a client
/// reaches and never queue behind one activation. It reads no run grain, so listing a million runs activates none.
/// </summary>
[StatelessWorker]
internal sealed class RunQueryGrain(IRunStore store) : Grain, IRunQueryGrain
{
    public Task<IReadOnlyList<RunSummary>> ListAsync(RunFilter filter, RunCursor? after)
    {
        // Checked again here: a caller need not be our client.
        RunFilterValidation.Validate(filter);
        return store.ListAsync(filter, after, filter.PageSize);
    }
}
