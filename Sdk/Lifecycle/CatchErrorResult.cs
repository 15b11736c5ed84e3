namespace OrleansTasks;

/// <summary>
/// What <c>CatchErrorAsync</c> decides about a failed attempt, with Trigger.dev's <c>catchError</c> words:
/// <c>new CatchErrorResult { SkipRetrying = true }</c>, <c>{ RetryAt = … }</c>, <c>{ RetryDelay = … }</c>, and
/// <c>{ Error = … }</c> to record another error. Returning null, or <see cref="AsPlanned"/>, keeps the retry policy's decision.
/// </summary>
/// <remarks>
/// A retry never goes past the run's maximum attempts: on the last attempt a retry decision ends the run all the same.
/// </remarks>
public sealed record CatchErrorResult
{
    /// <summary>Retry (or not) as the retry policy says.</summary>
    public static CatchErrorResult AsPlanned { get; } = new();

    /// <summary>True to end the run now, with no further attempts.</summary>
    public bool SkipRetrying { get; init; }

    /// <summary>Retry at this moment instead of after the policy's delay.</summary>
    public DateTimeOffset? RetryAt { get; init; }

    /// <summary>Retry after this delay instead of the policy's.</summary>
    /// <exception cref="InvalidRequestException">The delay is negative.</exception>
    public TimeSpan? RetryDelay
    {
        get;
        init
        {
            if (value is { } delay)
            {
                Guard.NotNegative(delay, nameof(RetryDelay));
            }

            field = value;
        }
    }

    /// <summary>The error to record instead of the one thrown: its type, message and stack reach the run.</summary>
    public Exception? Error { get; init; }
}
