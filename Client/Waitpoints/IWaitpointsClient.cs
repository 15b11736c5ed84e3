namespace OrleansTasks;

/// <summary>Waitpoint tokens from outside a task: complete one a run waits for, or look them up; <see cref="ITaskClient.Waitpoints"/>.</summary>
public interface IWaitpointsClient
{
    /// <summary>Creates a token (a run can then wait for it with <c>Wait.ForTokenAsync</c>).</summary>
    /// <exception cref="InvalidRequestException">An option is out of range.</exception>
    Task<WaitpointToken> CreateTokenAsync(WaitTokenOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Completes the token with <paramref name="data"/> (serialized to JSON); the runs waiting for it resume with it.</summary>
    /// <exception cref="WaitpointNotFoundException">No token has this id.</exception>
    /// <exception cref="WaitpointAlreadyCompletedException">The token was completed, or timed out, already.</exception>
    Task<WaitpointToken> CompleteTokenAsync(string tokenId, object? data, CancellationToken cancellationToken = default);

    /// <summary>The token.</summary>
    /// <exception cref="WaitpointNotFoundException">No token has this id.</exception>
    Task<WaitpointToken> RetrieveTokenAsync(string tokenId, CancellationToken cancellationToken = default);

    /// <summary>Tokens matching the filter, newest first; the sequence fetches page after page as it is read.</summary>
    IAsyncEnumerable<WaitpointToken> ListTokensAsync(WaitpointTokenFilter? filter = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// One page of the listing <see cref="ListTokensAsync"/> walks: up to <paramref name="pageSize"/> (1 to 1,000)
    /// tokens, newest first, after <paramref name="after"/>, and the cursor of the next page (null when there is none).
    /// </summary>
    /// <exception cref="InvalidRequestException"><paramref name="pageSize"/> is out of range.</exception>
    Task<WaitpointTokenPage> ListTokensPageAsync(WaitpointTokenFilter? filter = null, WaitpointCursor? after = null, int pageSize = 100, CancellationToken cancellationToken = default);
}
