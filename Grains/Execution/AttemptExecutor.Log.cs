using Microsoft.Extensions.Logging;

namespace OrleansTasks.Execution;

internal sealed partial class AttemptExecutor
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not report the end of attempt {Attempt} of run {RunId} (try {Try}); retrying.")]
    private partial void LogReportFailed(Exception exception, string runId, int attempt, int @try);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The last data-stream chunks of run {RunId}'s attempt could not be stored.")]
    private partial void LogStreamFlushFailed(Exception exception, string runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The last metadata changes of run {RunId}'s attempt could not be applied.")]
    private partial void LogMetadataFlushFailed(Exception exception, string runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The failure hooks of run {RunId} could not run: {Error}")]
    private partial void LogFinalHooksFailed(string runId, string error);
}
