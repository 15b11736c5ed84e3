namespace OrleansTasks.Bench.Chaos;

/// <summary>What <see cref="ChaosWaitTask"/> waits: the orchestrator picks 3 to 8 seconds per run.</summary>
internal sealed record ChaosWaitPayload(int Seconds);
