using Microsoft.Extensions.Logging;

namespace OrleansTasks;

/// <summary>
/// Retries a block of code inside a run, without failing the attempt (Trigger.dev's <c>retry.onThrow</c>). The delays
/// are in memory: use it for short, transient failures; a failure that needs minutes belongs to the task's
/// <c>RetryPolicy</c>.
/// </summary>
public static class Retry
{
    /// <summary>
    /// Runs <paramref name="action"/> and, when it throws, runs it again after the policy's delay, up to
    /// <see cref="RetryOptions.MaxAttempts"/> times in all; the last exception is rethrown. An
    /// <see cref="AbortTaskRunException"/>, and cancellation through <paramref name="cancellationToken"/>, are never retried.
    /// Each try is a span (<c>retry.onThrow</c>) when tracing is on, and each failure is written to the run's log.
    /// </summary>
    /// <param name="action">The block; it receives the try number, from 1.</param>
    /// <param name="options">How often and how fast to retry. Default: <see cref="RetryOptions.Default"/>.</param>
    /// <param name="cancellationToken">Stops the waiting between tries.</param>
    /// <exception cref="InvalidRequestException"><paramref name="options"/> has a setting out of range.</exception>
    public static async Task<T> OnThrowAsync<T>(Func<int, Task<T>> action, RetryOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        options ??= RetryOptions.Default;
        try
        {
            options.Validate("Retry.OnThrowAsync");
        }
        catch (InvalidConfigurationException exception)
        {
            throw new InvalidRequestException(exception.Message, nameof(options));
        }

        for (var attempt = 1; ; attempt++)
        {
            using var activity = OrleansTasksTelemetry.Source.StartActivity("retry.onThrow");
            activity?.SetTag("orleanstasks.retry.attempt", attempt);
            try
            {
                return await action(attempt).ConfigureAwait(false);
            }
            catch (Exception exception) when (attempt < options.MaxAttempts && exception is not AbortTaskRunException
                && !(exception is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                OrleansTasksTelemetry.RecordException(activity, exception);
                var delay = options.GetDelay(attempt, Random.Shared.NextDouble());
                TaskContext.Current?.Logger.LogWarning(
                    exception, "Retry.OnThrowAsync: try {Attempt} of {MaxAttempts} failed; trying again in {Delay}.", attempt, options.MaxAttempts, delay);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Runs <paramref name="action"/>, retrying when it throws, as <see cref="OnThrowAsync{T}(Func{int, Task{T}}, RetryOptions?, CancellationToken)"/>.</summary>
    public static Task OnThrowAsync(Func<int, Task> action, RetryOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        return OnThrowAsync(
            async attempt =>
            {
                await action(attempt).ConfigureAwait(false);
                return true;
            },
            options,
            cancellationToken);
    }
}
