namespace OrleansTasks.Waitpoints;

/// <summary>One waitpoint token, keyed by its id: its state and the runs waiting for it. Engine grain.</summary>
[Alias("ot.IWaitpointTokenGrain")]
internal interface IWaitpointTokenGrain : IGrainWithStringKey
{
    /// <summary>Creates the token if it does not exist; returns it either way.</summary>
    [Alias("create")]
    Task<WaitpointToken> CreateAsync(WaitTokenOptions options);

    /// <summary>The token.</summary>
    /// <exception cref="WaitpointNotFoundException">No such token.</exception>
    [Alias("get")]
    Task<WaitpointToken> GetAsync();

    /// <summary>Completes the token with data and resumes the runs waiting for it.</summary>
    /// <exception cref="WaitpointNotFoundException">No such token.</exception>
    /// <exception cref="WaitpointAlreadyCompletedException">It was completed, or timed out, already.</exception>
    [Alias("complete")]
    Task<WaitpointToken> CompleteAsync(string dataJson);

    /// <summary>Registers a run waiting for the token at a journal position; returns the token (maybe already completed).</summary>
    /// <exception cref="WaitpointNotFoundException">No such token.</exception>
    [Alias("add-waiter")]
    Task<WaitpointToken> AddWaiterAsync(string runId, string key);

    /// <summary>Forgets a waiting run (it was cancelled).</summary>
    [Alias("remove-waiter")]
    Task RemoveWaiterAsync(string runId);
}

/// <summary>The token an idempotency key stands for, while the key lives. Keyed by the key. Engine grain.</summary>
[Alias("ot.IWaitpointKeyGrain")]
internal interface IWaitpointKeyGrain : IGrainWithStringKey
{
    /// <summary>The live token created with this key, or a new one.</summary>
    [Alias("get-or-create")]
    Task<WaitpointToken> GetOrCreateAsync(WaitTokenOptions options);
}

/// <summary>Reads pages of tokens for listing. Engine grain.</summary>
[Alias("ot.IWaitpointQueryGrain")]
internal interface IWaitpointQueryGrain : IGrainWithIntegerKey
{
    /// <summary>Up to <paramref name="limit"/> tokens matching the filter, newest first, after the cursor.</summary>
    [Alias("list")]
    Task<IReadOnlyList<WaitpointToken>> ListAsync(WaitpointTokenFilter filter, WaitpointCursor? after, int limit);
}
