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

        // A run deleted between the two reads (retention) is left out.
        return await GetRunsAsync([.. page.Select(run => run.Id)]);
    }

    public async Task<IReadOnlyList<RunVersion>> VersionsAsync(RunFilter filter, DateTimeOffset createdFrom, IReadOnlyList<string> runIds)
    {
        ArgumentNullException.ThrowIfNull(runIds);
        if (runIds.Count > IRunQueryGrain.MaxVersionsAsked)
        {
            throw new InvalidRequestException($"At most {IRunQueryGrain.MaxVersionsAsked:N0} run ids can be checked at once; {runIds.Count:N0} were given.", nameof(runIds));
        }

        RunFilterValidation.Validate(filter);
        var from = filter.From is { } start && start > createdFrom ? start : createdFrom;
        var recent = await store.ListAsync(filter with { From = from }, after: null, IRunQueryGrain.MaxVersionsListed);
        return await store.LoadVersionsAsync([.. runIds.Concat(recent.Select(r => r.Id)).Distinct(StringComparer.Ordinal)]);
    }

    public async Task<IReadOnlyList<TaskRun>> GetRunsAsync(IReadOnlyList<string> runIds)
    {
        ArgumentNullException.ThrowIfNull(runIds);
        if (runIds.Count > RunFilter.MaxPageSize)
        {
            throw new InvalidRequestException($"At most {RunFilter.MaxPageSize:N0} runs can be read at once; {runIds.Count:N0} were asked for.", nameof(runIds));
        }

        var rows = await Task.WhenAll(runIds.Distinct(StringComparer.Ordinal).Select(id => store.LoadAsync(id)));
        return [.. rows.OfType<RunRow>().Select(row => row.ToState().ToTaskRun())];
    }

    public Task<Streams.StreamPage> ReadStreamAsync(string runId, string streamKey, long from, int limit) =>
        streams.ReadAsync(runId, streamKey, from, Math.Clamp(limit, 1, 10_000));
}
