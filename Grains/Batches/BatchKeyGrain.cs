namespace OrleansTasks.Batches;

/// <summary>A batch idempotency key's batch, kept in grain storage so the key holds across silos and restarts until its time to live ends.</summary>
internal sealed class BatchKeyGrain([PersistentState("batch-key")] IPersistentState<BatchKeyState> state, TimeProvider time) : Grain, IBatchKeyGrain
{
    public async Task<(string BatchId, bool Cached)> GetOrClaimAsync(string candidate, TimeSpan ttl)
    {
        var now = time.GetUtcNow();
        if (state.State.BatchId is { } batchId && now < state.State.ExpiresAt)
        {
            return (batchId, true);
        }

        state.State.BatchId = candidate;
        state.State.ExpiresAt = now + ttl;
        await state.WriteStateAsync();
        return (candidate, false);
    }
}

/// <summary>What a batch idempotency key names, and until when.</summary>
[GenerateSerializer, Alias("ot.BatchKeyState")]
internal sealed class BatchKeyState
{
    [Id(0)]
    public string? BatchId { get; set; }

    [Id(1)]
    public DateTimeOffset ExpiresAt { get; set; }
}
