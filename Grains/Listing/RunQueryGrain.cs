using Orleans.Concurrency;
using OrleansTasks.Storage;

namespace OrleansTasks.Listing;

/// <summary>
/// Reads pages of runs straight from the run store; a stateless worker, so listings are served by the silo a client
/// reaches and never queue behind one activation. It reads no run grain, so listing a million runs activates none.
/// </summary>
[StatelessWorker]
internal sealed class RunQueryGrain(IRunStore store, Streams.IRunStreamStore streams) : Grain, IRunQueryGrain
{
    public Task<IReadOnlyList<RunSummary>> ListAsync(RunFilter filter, RunCursor? after)
    {
        // Checked again here: a caller need not be our client.
        RunFilterValidation.Validate(filter);
        return store.ListAsync(filter, after, filter.PageSize);
    }

    public async Task<IReadOnlyList<TaskRun>> ListRunsAsync(RunFilter filter, RunCursor? after)
    {
        var page = await ListAsync(filter, after);
        var rows = await Task.WhenAll(page.Select(run => store.LoadAsync(run.Id)));

        // A run deleted between the two reads (retention) is left out.
        return [.. rows.OfType<RunRow>().Select(row => row.ToState().ToTaskRun())];
    }

    public Task<Streams.StreamPage> ReadStreamAsync(string runId, string streamKey, long from, int limit) =>
        streams.ReadAsync(runId, streamKey, from, Math.Clamp(limit, 1, 10_000));
}
