using Microsoft.Extensions.Logging;

namespace OrleansTasks.Storage.Postgres;

internal sealed partial class PostgresRunStore
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "A batch of {Count} run writes failed; retrying them one by one to isolate the cause.")]
    private partial void LogBatchFailed(Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A transient database error interrupted a batch of run writes (try {Attempt}); retrying.")]
    private partial void LogTransientFailure(Exception exception, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "A run store batch failed outside its own error handling; its callers were not answered.")]
    private partial void LogLoopFailed(Exception exception);
}
