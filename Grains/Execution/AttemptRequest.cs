namespace OrleansTasks.Execution;

/// <summary>What the run grain hands the executor to start one attempt.</summary>
internal sealed record AttemptRequest(
    string RunId,
    string TaskId,
    int Attempt,
    string PayloadJson,
    IReadOnlyList<string> Tags,
    string Queue,
    MachinePreset Machine,
    DateTimeOffset CreatedAt,
    TimeSpan? MaxDuration);
