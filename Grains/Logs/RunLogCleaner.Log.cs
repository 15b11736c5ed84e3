using Microsoft.Extensions.Logging;

namespace OrleansTasks.Logs;

internal sealed partial class RunLogCleaner
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} run log entries written before {Cutoff:O} (OrleansTasks:LogRetention).")]
    private partial void LogDeleted(int count, DateTimeOffset cutoff);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting old run log entries failed; trying again in {Interval}.")]
    private partial void LogCleanFailed(Exception exception, TimeSpan interval);
}
