using Microsoft.Extensions.Logging;

namespace OrleansTasks.Runs;

internal sealed partial class RunGrain
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Saving run {RunId} in the background failed; its next save will carry the same state.")]
    private partial void LogBackgroundSaveFailed(Exception exception, string runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Loading run {RunId} failed.")]
    private partial void LogLoadFailed(Exception exception, string runId);
}
