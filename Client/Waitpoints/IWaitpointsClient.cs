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
}
