namespace OrleansTasks.Auth;

/// <summary>
/// Whether a single-use token was used, kept in grain storage (PostgreSQL, or memory in development mode) before the
/// answer, so a token is used once across the cluster and across restarts.
/// </summary>
internal sealed class OneTimeTokenGrain([PersistentState("one-time-token")] IPersistentState<OneTimeTokenState> state) : Grain, IOneTimeTokenGrain
{
    public async Task<bool> TryUseAsync()
    {
        if (state.State.Used)
        {
            return false;
        }

        state.State.Used = true;
        await state.WriteStateAsync();
        DeactivateOnIdle();
        return true;
    }
}

/// <summary>A single-use token's record.</summary>
[GenerateSerializer, Alias("ot.OneTimeTokenState")]
internal sealed class OneTimeTokenState
{
    [Id(0)]
    public bool Used { get; set; }
}
