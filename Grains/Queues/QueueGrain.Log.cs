using Microsoft.Extensions.Logging;

namespace OrleansTasks.Queues;

internal sealed partial class QueueGrain
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "Queue {Queue} activated: {Running} running, {Queued} queued.")]
    private partial void LogRebuilt(string queue, int running, int queued);

    [LoggerMessage(Level = LogLevel.Information, Message = "Queue {Queue} reclaimed the slot of run {RunId}, which no longer holds it.")]
    private partial void LogReclaimedSlot(string queue, string runId);
}
