namespace OrleansTasks.Bench.Chaos;

/// <summary>A run the load generator triggered: its id and task.</summary>
internal sealed record ChaosTrigger(string RunId, string TaskId);
