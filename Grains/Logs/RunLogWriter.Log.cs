using Microsoft.Extensions.Logging;

namespace OrleansTasks.Logs;

internal sealed partial class RunLogWriter
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Storing a batch of {Count} run log entries failed (try {Try}); trying again.")]
    private partial void LogWriteFailed(Exception exception, int count, int @try);

    [LoggerMessage(Level = LogLevel.Error, Message = "Storing a batch of {Count} run log entries failed {Tries} times; the entries are dropped.")]
    private partial void LogBatchDropped(Exception exception, int count, int tries);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} run log entries were dropped because {Capacity:N0} were already waiting to be stored; the database is slow or unreachable.")]
    private partial void LogEntriesDropped(int count, int capacity);

    [LoggerMessage(Level = LogLevel.Error, Message = "A batch of run log entries failed outside the writer's own error handling; its flushes were not answered.")]
    private partial void LogLoopFailed(Exception exception);
}
