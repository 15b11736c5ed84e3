using Microsoft.Extensions.Logging;

namespace OrleansTasks.Lifecycle;

internal sealed partial class AttemptPipeline
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Attempt {Attempt} of run {RunId} ended after its deadline or cancel; its result was discarded.")]
    private partial void LogLateEnd(Exception? exception, string runId, int attempt);
}
