using OrleansTasks.Runs;

namespace OrleansTasks.Waitpoints;

/// <summary>
/// An idempotency key for tokens. One activation per key is what makes concurrent creations with one key return one
/// token; the key lives for its TTL, after which the next creation makes a new token.
/// </summary>
internal sealed class WaitpointKeyGrain(IWaitpointStore store, TimeProvider time) : Grain, IWaitpointKeyGrain
{
    public async Task<WaitpointToken> GetOrCreateAsync(WaitTokenOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var key = this.GetPrimaryKeyString();
        if (await store.FindByIdempotencyKeyAsync(key, time.GetUtcNow()) is { } existing)
        {
            var token = await GrainFactory.Reference<IWaitpointTokenGrain>(existing).GetAsync();
            return token with { IsCached = true };
        }

        return await GrainFactory.Reference<IWaitpointTokenGrain>(RunIds.NewTokenId(time.GetUtcNow())).CreateAsync(options with { IdempotencyKey = key });
    }
}
