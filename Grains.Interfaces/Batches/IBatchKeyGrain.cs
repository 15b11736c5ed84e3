namespace OrleansTasks.Batches;

/// <summary>
/// A batch's idempotency key (the HTTP API's two-step batch trigger), keyed by the key's hash: the batch it names, so a
/// batch triggered again with the same key is the same batch. Engine grain.
/// </summary>
[Alias("ot.IBatchKeyGrain")]
internal interface IBatchKeyGrain : IGrainWithStringKey
{
    /// <summary>
    /// The batch this key names: <paramref name="candidate"/> the first time (or once the key's time to live has passed
    /// since), and then the same batch, marked cached, until <paramref name="ttl"/> after its creation.
    /// </summary>
    [Alias("get-or-claim")]
    Task<(string BatchId, bool Cached)> GetOrClaimAsync(string candidate, TimeSpan ttl);
}
