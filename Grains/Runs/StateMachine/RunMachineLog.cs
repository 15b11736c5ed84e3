using Microsoft.Extensions.Logging;

namespace OrleansTasks.Runs.StateMachine;

/// <summary>What the run machine logs, as it decides.</summary>
internal static partial class RunMachineLog
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "Run {RunId} of task {TaskId} triggered on queue {Queue}.")]
    public static partial void Triggered(this ILogger logger, string runId, string taskId, string queue);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Run {RunId} started attempt {Attempt}.")]
    public static partial void AttemptStarted(this ILogger logger, string runId, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} ended {Status} after {Attempts} attempt(s).")]
    public static partial void Finished(this ILogger logger, string runId, string status, int attempts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} will make attempt {Attempt} in {Delay}.")]
    public static partial void RetryScheduled(this ILogger logger, string runId, int attempt, TimeSpan delay);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} cancelled while {Status}.")]
    public static partial void Canceled(this ILogger logger, string runId, string status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Attempt {Attempt} of run {RunId} failed: {Error}")]
    public static partial void AttemptFailed(this ILogger logger, string runId, int attempt, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Attempt {Attempt} of run {RunId} crashed: {Why}.")]
    public static partial void AttemptCrashed(this ILogger logger, string runId, int attempt, string why);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Run {RunId} resumed while {Status}.")]
    public static partial void Resumed(this ILogger logger, string runId, string status);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Run {RunId} stopped waiting at {Key} ({Operation}): the code's cancellation token fired.")]
    public static partial void WaitAbandoned(this ILogger logger, string runId, string key, string operation);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Run {RunId} suspended until {WakeAt}.")]
    public static partial void Suspended(this ILogger logger, string runId, DateTimeOffset wakeAt);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Ignored a report for attempt {Attempt} of run {RunId}, which is {Status}.")]
    public static partial void StaleReport(this ILogger logger, string runId, int attempt, string status);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Run {RunId} replays attempt {Attempt} (execution {Execution}) over {Entries} journal entries.")]
    public static partial void Replaying(this ILogger logger, string runId, int attempt, int execution, int entries);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} resumes attempt {Attempt} by replay: its execution stopped with its silo (recovery {Recovery}).")]
    public static partial void Recovering(this ILogger logger, string runId, int attempt, int recovery);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} was executing when its activation went away ({Reason}); it goes on by replay on another silo, or on this one when it restarts.")]
    public static partial void HandedOver(this ILogger logger, string runId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} was executing when its activation went away ({Reason}); development mode keeps runs in memory, so it is lost when this process ends.")]
    public static partial void EndsWithSilo(this ILogger logger, string runId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} rescheduled to {DelayUntil:o}.")]
    public static partial void Rescheduled(this ILogger logger, string runId, DateTimeOffset delayUntil);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Run {RunId} debounced: it now starts at {DelayUntil:o}.")]
    public static partial void Debounced(this ILogger logger, string runId, DateTimeOffset delayUntil);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} expired: not started within its time to live of {Ttl}.")]
    public static partial void Expired(this ILogger logger, string runId, TimeSpan? ttl);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} waits queued: no live silo serves machine preset {Machine}.")]
    public static partial void NoMachine(this ILogger logger, string runId, string machine);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Run {RunId} moves to silo {Silo}, which serves machine preset {Machine}.")]
    public static partial void Moving(this ILogger logger, string runId, string machine, string silo);
}
