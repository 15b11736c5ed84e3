namespace OrleansTasks;

/// <summary>
/// What <c>CatchErrorAsync</c> decides about a failed attempt (Trigger.dev's <c>catchError</c> return value). Returning
/// null, or <see cref="AsPlanned"/>, keeps the retry policy's decision.
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
    public TimeSpan? RetryDelay { get; init; }

    /// <summary>The error to record instead of the one thrown: its type, message and stack reach the run.</summary>
    public Exception? Error { get; init; }

    /// <summary>Ends the run now, recording <paramref name="error"/> (or the original error) as its error.</summary>
    public static CatchErrorResult SkipRetry(Exception? error = null) => new() { SkipRetrying = true, Error = error };

    /// <summary>Retries at <paramref name="at"/>.</summary>
    public static CatchErrorResult RetryAtTime(DateTimeOffset at) => new() { RetryAt = at };

    /// <summary>Retries after <paramref name="delay"/>.</summary>
    /// <exception cref="InvalidRequestException"><paramref name="delay"/> is negative.</exception>
    public static CatchErrorResult RetryAfter(TimeSpan delay)
    {
        Guard.NotNegative(delay);
        return new() { RetryDelay = delay };
    }

    /// <summary>Keeps the policy's decision but records <paramref name="error"/> instead of the error thrown.</summary>
    public static CatchErrorResult Replace(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return new() { Error = error };
    }
}
