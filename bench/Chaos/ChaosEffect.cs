namespace OrleansTasks.Bench.Chaos;

/// <summary>One row of <c>chaos_effects</c>: a step body that ran, in which attempt, process and moment.</summary>
internal sealed record ChaosEffect(long Id, string RunId, string Step, int Attempt, int Pid, DateTimeOffset At);
