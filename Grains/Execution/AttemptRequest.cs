namespace OrleansTasks.Execution;

/// <summary>What the run grain hands the executor to start (or replay) one execution of an attempt.</summary>
internal sealed record AttemptRequest(
    string RunId,
    string TaskId,
    int Attempt,
    int Execution,
    string PayloadJson,
    IReadOnlyList<string> Tags,
    string Queue,
    MachinePreset Machine,
    DateTimeOffset CreatedAt,
    TimeSpan? MaxDuration,
    IReadOnlyDictionary<string, RecordedOp> Journal);
