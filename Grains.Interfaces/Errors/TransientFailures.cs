using Orleans.Runtime;
using Orleans.Runtime.Messaging;

namespace OrleansTasks;

/// <summary>
/// Which failures of a grain call come from the cluster rather than from the call: a silo dying or leaving, a message
/// that could not be addressed while the directory heals, a gateway that is gone or busy, a call whose answer never
/// came. A call that is idempotent may be sent again after one of these; anything else is the callee's answer.
/// </summary>
internal static class TransientFailures
{
    public static bool IsTransient(Exception exception) => exception switch
    {
        OrleansMessageRejectionException => true, // SiloUnavailableException too: a silo died or is stopping
        ConnectionFailedException => true,
        GatewayTooBusyException => true,
        TimeoutException => true,

        // Orleans gives up on a message that could not be placed in time ("Message expired before placement could
        // complete") as a cancellation with no token: the cluster was busy or reconfiguring, not the caller cancelling.
        OperationCanceledException { CancellationToken.CanBeCanceled: false } => true,
        StorageException { IsTransient: true } => true, // the database was unreachable for a moment: every call may be sent again
        AggregateException { InnerExceptions.Count: 1 } aggregate => IsTransient(aggregate.InnerExceptions[0]),
        _ => false,
    };

    /// <summary>The delay before try <paramref name="attempt"/> (from 1): doubling from 100 ms, at most <paramref name="max"/>, with jitter.</summary>
    public static TimeSpan Backoff(int attempt, TimeSpan max)
    {
        var ms = Math.Min(max.TotalMilliseconds, 100 * Math.Pow(2, Math.Min(attempt - 1, 16)));
        return TimeSpan.FromMilliseconds(ms * (0.75 + Random.Shared.NextDouble() * 0.5));
    }
}
