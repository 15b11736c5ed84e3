namespace OrleansTasks.Waitpoints;

/// <summary>Where waitpoint tokens are kept: the <c>waitpoint_tokens</c> table, or memory in development mode.</summary>
internal interface IWaitpointStore
{
    Task<WaitpointState?> LoadAsync(string id, CancellationToken cancellationToken = default);

    Task SaveAsync(WaitpointState state, CancellationToken cancellationToken = default);

    /// <summary>The newest token created with <paramref name="idempotencyKey"/> whose key is still live at <paramref name="now"/>.</summary>
    Task<string?> FindByIdempotencyKeyAsync(string idempotencyKey, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Tokens matching the filter, newest first, after the cursor; a token past its timeout reads as timed out.</summary>
    Task<IReadOnlyList<WaitpointToken>> ListAsync(WaitpointTokenFilter filter, WaitpointCursor? after, int limit, DateTimeOffset now, CancellationToken cancellationToken = default);
}
