using Orleans.Concurrency;

namespace OrleansTasks.Waitpoints;

/// <summary>Reads pages of tokens; a stateless worker, so listing never funnels through one activation.</summary>
[StatelessWorker]
internal sealed class WaitpointQueryGrain(IWaitpointStore store, TimeProvider time) : Grain, IWaitpointQueryGrain
{
    public Task<IReadOnlyList<WaitpointToken>> ListAsync(WaitpointTokenFilter filter, WaitpointCursor? after, int limit) =>
        store.ListAsync(filter ?? new WaitpointTokenFilter(), after, Math.Clamp(limit, 1, 1000), time.GetUtcNow());
}
