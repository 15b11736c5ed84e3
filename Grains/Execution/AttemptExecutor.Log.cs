using Microsoft.Extensions.Logging;

namespace OrleansTasks.Execution;

internal sealed partial class AttemptExecutor
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not report the end of attempt {Attempt} of run {RunId} (try {Try}); retrying.")]
    private partial void LogReportFailed(Exception exception, string runId, int attempt, int @try);

    [LoggerMessage(Level = LogLevel.Information, Message = "Attempt {Attempt} of run {RunId} ended after its deadline; its result was discarded.")]
    private partial void LogLateEnd(Exception? exception, string runId, int attempt);
}
