using Microsoft.Extensions.Logging;

namespace OrleansTasks.Runs;

internal sealed partial class RunGrain
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "Run {RunId} of task {TaskId} triggered on queue {Queue}.")]
    private partial void LogTriggered(string runId, string taskId, string queue);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Run {RunId} started attempt {Attempt}.")]
    private partial void LogAttemptStarted(string runId, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} ended {Status} after {Attempts} attempt(s).")]
    private partial void LogFinished(string runId, string status, int attempts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} will make attempt {Attempt} in {Delay}.")]
    private partial void LogRetryScheduled(string runId, int attempt, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} cancelled while {Status}.")]
    private partial void LogCancelled(string runId, string status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Attempt {Attempt} of run {RunId} crashed: {Why}.")]
    private partial void LogAttemptCrashed(string runId, int attempt, string why);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Run {RunId} resumed while {Status}.")]
    private partial void LogResumed(string runId, string status);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Run {RunId} suspended until {WakeAt}.")]
    private partial void LogSuspended(string runId, DateTimeOffset wakeAt);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Ignored a report for attempt {Attempt} of run {RunId}, which is {Status}.")]
    private partial void LogStaleReport(string runId, int attempt, string status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Saving run {RunId} in the background failed; its next save will carry the same state.")]
    private partial void LogBackgroundSaveFailed(Exception exception, string runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Loading run {RunId} failed.")]
    private partial void LogLoadFailed(Exception exception, string runId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Run {RunId} replays attempt {Attempt} (execution {Execution}) over {Entries} journal entries.")]
    private partial void LogReplaying(string runId, int attempt, int execution, int entries);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} resumes attempt {Attempt} by replay: its execution stopped with its silo (recovery {Recovery}).")]
    private partial void LogRecovering(string runId, int attempt, int recovery);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} was executing when its activation went away ({Reason}); it continues elsewhere by replay.")]
    private partial void LogHandedOver(string runId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} rescheduled to {DelayUntil:o}.")]
    private partial void LogRescheduled(string runId, DateTimeOffset delayUntil);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Run {RunId} debounced: it now starts at {DelayUntil:o}.")]
    private partial void LogDebounced(string runId, DateTimeOffset delayUntil);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} expired: not started within its time to live of {Ttl}.")]
    private partial void LogExpired(string runId, TimeSpan? ttl);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} waits queued: no live silo serves machine preset {Machine}.")]
    private partial void LogNoMachine(string runId, string machine);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Run {RunId} moves to silo {Silo}, which serves machine preset {Machine}.")]
    private partial void LogMoving(string runId, string machine, string silo);
}
