namespace OrleansTasks;

/// <summary>
/// Durable waits, for use inside a running task (Trigger.dev's <c>wait</c>). A wait shorter than the silo's suspend
/// threshold stays in memory and keeps the run's concurrency slot; a longer one suspends the run, which then holds
/// no slot and no memory until it resumes. Waits are recorded, so a replay after a crash or resume does not wait again.
/// </summary>
public static class Wait
{
    /// <summary>Waits for <paramref name="duration"/>.</summary>
    /// <exception cref="InvalidRequestException"><paramref name="duration"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">Called outside a running task.</exception>
    public static Task ForAsync(TimeSpan duration)
    {
        Guard.NotNegative(duration);
        var context = TaskContext.Require("Wait.ForAsync");
        return context.WaitUntilAsync(context.Time.GetUtcNow() + duration, isDuration: true);
    }

    /// <summary>Waits until <paramref name="until"/>. A moment in the past returns at once, or throws if asked to.</summary>
    /// <exception cref="InvalidRequestException"><paramref name="until"/> has passed and <paramref name="throwIfInThePast"/> is true.</exception>
    /// <exception cref="InvalidOperationException">Called outside a running task.</exception>
    public static Task UntilAsync(DateTimeOffset until, bool throwIfInThePast = false)
    {
        return TaskContext.Require("Wait.UntilAsync").WaitUntilAsync(until, isDuration: false, throwIfInThePast);
    }

    /// <summary>
    /// Creates a waitpoint token to wait for with <see cref="ForTokenAsync{T}(string)"/> and complete from anywhere with
    /// <c>ITaskClient.Waitpoints.CompleteTokenAsync</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called outside a running task.</exception>
    public static Task<WaitpointToken> CreateTokenAsync(WaitTokenOptions? options = null) =>
        TaskContext.Require("Wait.CreateTokenAsync").CreateTokenAsync(options ?? new WaitTokenOptions());

    /// <summary>Waits until the token is completed (with its data) or times out (not <c>IsSuccess</c>).</summary>
    /// <exception cref="WaitpointNotFoundException">No token has this id.</exception>
    /// <exception cref="InvalidOperationException">Called outside a running task.</exception>
    public static Task<WaitResult<T>> ForTokenAsync<T>(string tokenId)
    {
        Guard.NotBlank(tokenId);

        // Not async on purpose: the journal position is taken in the caller's flow (see TaskContext).
        var waiting = TaskContext.Require("Wait.ForTokenAsync").WaitForTokenAsync(tokenId);
        return Typed(waiting, tokenId);

        static async Task<WaitResult<T>> Typed(Task<(bool IsSuccess, string? OutputJson, TaskRunError? Error)> result, string tokenId)
        {
            var (ok, outputJson, error) = await result.ConfigureAwait(false);
            return new WaitResult<T>(tokenId, ok, outputJson, error);
        }
    }

    /// <summary>Waits until the token is completed (with its data) or times out (not <c>IsSuccess</c>).</summary>
    public static Task<WaitResult<T>> ForTokenAsync<T>(WaitpointToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return ForTokenAsync<T>(token.Id);
    }
}
