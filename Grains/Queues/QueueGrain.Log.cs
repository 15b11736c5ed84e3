using Microsoft.Extensions.Logging;

namespace OrleansTasks.Queues;

internal sealed partial class QueueGrain
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "Queue {Queue} activated: {Running} running, {Queued} queued.")]
    private partial void LogRebuilt(string queue, int running, int queued);

    [LoggerMessage(Level = LogLevel.Information, Message = "Queue {Queue} reclaimed the slot of run {RunId}, which no longer holds it.")]
    private partial void LogReclaimedSlot(string queue, string runId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Queue {Queue} paused.")]
    private partial void LogPaused(string queue);

    [LoggerMessage(Level = LogLevel.Information, Message = "Queue {Queue} resumed.")]
    private partial void LogResumed(string queue);

    [LoggerMessage(Level = LogLevel.Information, Message = "Queue {Queue}: concurrency limit overridden to {Limit}.")]
    private partial void LogLimitOverridden(string queue, int limit);

    [LoggerMessage(Level = LogLevel.Information, Message = "Queue {Queue}: run {RunId} expired before it started (its TTL ran out).")]
    private partial void LogExpired(string queue, string runId);
}
