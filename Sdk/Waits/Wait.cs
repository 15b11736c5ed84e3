namespace OrleansTasks;

/// <summary>
/// Durable waits, for use inside a running task (Trigger.dev's <c>wait</c>). A wait shorter than the silo's suspend
/// threshold stays in memory and keeps the run's concurrency slot; a longer one suspends the run, which then holds
/// no slot and no memory until it resumes. Waits are recorded, so a replay after a crash or resume does not wait again.
/// </summary>
/// <remarks>
/// <para>
/// Every wait takes a <see cref="CancellationToken"/> that stops waiting, as in .NET: the wait throws
/// <see cref="OperationCanceledException"/> and the attempt goes on. The run records the wait as abandoned, so a replay
/// of the attempt throws at the same place whether or not the token fires then, and the code is given the exception
/// only once the run holds its concurrency slot again. A token that has fired already throws before anything is
/// recorded. A token lives in memory with the code: once the run has suspended (its code unwound), the wait ends only
/// by its own rule (the time, the token's completion, the children's end).
/// </para>
/// <para>
/// This is not how the run is cancelled: that is the attempt's own token (the one <c>RunAsync</c> receives), which ends
/// every wait at once and the run with <c>CANCELED</c>.
/// </para>
/// </remarks>
public static class Wait
{
    /// <summary>Waits for <paramref name="duration"/>.</summary>
    /// <param name="duration">How long; counted from the silo's clock now.</param>
    /// <param name="cancellationToken">Stops waiting; see <see cref="Wait"/>.</param>
    /// <exception cref="InvalidRequestException"><paramref name="duration"/> is negative.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    /// <exception cref="InvalidOperationException">Called outside a running task.</exception>
    public static Task ForAsync(TimeSpan duration, CancellationToken cancellationToken = default)
    {
        Guard.NotNegative(duration);
        var context = TaskContext.Require("Wait.ForAsync");
        return context.WaitUntilAsync(context.Time.GetUtcNow() + duration, isDuration: true, throwIfInThePast: false, cancellationToken);
    }

    /// <summary>Waits until <paramref name="until"/>. A moment in the past returns at once, or throws if asked to.</summary>
    /// <param name="until">The moment to wait for.</param>
    /// <param name="throwIfInThePast">Throw instead of returning when <paramref name="until"/> has passed.</param>
    /// <param name="cancellationToken">Stops waiting; see <see cref="Wait"/>.</param>
    /// <exception cref="InvalidRequestException"><paramref name="until"/> has passed and <paramref name="throwIfInThePast"/> is true.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    /// <exception cref="InvalidOperationException">Called outside a running task.</exception>
    public static Task UntilAsync(DateTimeOffset until, bool throwIfInThePast = false, CancellationToken cancellationToken = default) =>
        TaskContext.Require("Wait.UntilAsync").WaitUntilAsync(until, isDuration: false, throwIfInThePast, cancellationToken);

    /// <summary>
    /// Creates a waitpoint token to wait for with <see cref="ForTokenAsync{T}(string, CancellationToken)"/> and complete
    /// from anywhere with <c>ITaskClient.Waitpoints.CompleteTokenAsync</c>.
    /// </summary>
    /// <param name="options">Timeout, idempotency key, tags; null for none.</param>
    /// <param name="cancellationToken">One that has fired already throws and creates nothing; once sent, the token is created and recorded.</param>
    /// <exception cref="InvalidOperationException">Called outside a running task.</exception>
    public static Task<WaitpointToken> CreateTokenAsync(WaitTokenOptions? options = null, CancellationToken cancellationToken = default) =>
        TaskContext.Require("Wait.CreateTokenAsync").CreateTokenAsync(options ?? new WaitTokenOptions(), cancellationToken);

    /// <summary>Waits until the token is completed (with its data) or times out (not <c>IsSuccess</c>).</summary>
    /// <param name="tokenId">The token's id.</param>
    /// <param name="cancellationToken">Stops waiting (the token is not affected); see <see cref="Wait"/>.</param>
    /// <exception cref="WaitpointNotFoundException">No token has this id.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    /// <exception cref="InvalidOperationException">Called outside a running task.</exception>
    public static Task<WaitResult<T>> ForTokenAsync<T>(string tokenId, CancellationToken cancellationToken = default)
    {
        Guard.NotBlank(tokenId);

        // Not async on purpose: the journal position is taken in the caller's flow (see TaskContext).
        var waiting = TaskContext.Require("Wait.ForTokenAsync").WaitForTokenAsync(tokenId, cancellationToken);
        return Typed(waiting, tokenId);

        static async Task<WaitResult<T>> Typed(Task<(bool IsSuccess, string? OutputJson, TaskRunError? Error)> result, string tokenId)
        {
            var (ok, outputJson, error) = await result.ConfigureAwait(false);
            return new WaitResult<T>(tokenId, ok, outputJson, error);
        }
    }

    /// <summary>Waits until the token is completed (with its data) or times out (not <c>IsSuccess</c>).</summary>
    /// <param name="token">The token.</param>
    /// <param name="cancellationToken">Stops waiting (the token is not affected); see <see cref="Wait"/>.</param>
    public static Task<WaitResult<T>> ForTokenAsync<T>(WaitpointToken token, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(token);
        return ForTokenAsync<T>(token.Id, cancellationToken);
    }
}
