using Microsoft.Extensions.Logging;

namespace OrleansTasks.Maintenance;

internal sealed partial class RunSupervisorGrain
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Resuming {Count} run(s) whose silo is gone.")]
    private partial void LogRecovering(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The supervisor's scan failed; it tries again at its next interval.")]
    private partial void LogScanFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not resume {Id}; the next scan tries again.")]
    private partial void LogResumeFailed(Exception exception, string id);
}
