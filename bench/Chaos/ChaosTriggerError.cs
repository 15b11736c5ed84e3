namespace OrleansTasks.Bench.Chaos;

/// <summary>A trigger that threw at the caller: which task, when, and the exception.</summary>
internal sealed record ChaosTriggerError(string TaskId, DateTimeOffset At, Exception Exception);
