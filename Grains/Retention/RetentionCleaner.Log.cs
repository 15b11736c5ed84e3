using Microsoft.Extensions.Logging;

namespace OrleansTasks.Retention;

internal sealed partial class RetentionCleaner
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} runs that finished before {Cutoff:O}, with their logs (OrleansTasks:RunRetention).")]
    private partial void LogDeletedRuns(int count, DateTimeOffset cutoff);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} run log entries written before {Cutoff:O} (OrleansTasks:LogRetention).")]
    private partial void LogDeletedEntries(int count, DateTimeOffset cutoff);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} data-stream chunks stored before {Cutoff:O} (OrleansTasks:StreamRetention).")]
    private partial void LogDeletedChunks(int count, DateTimeOffset cutoff);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting data past its retention failed; trying again in {Interval}.")]
    private partial void LogCleanFailed(Exception exception, TimeSpan interval);
}
