namespace OrleansTasks.Bench.Chaos;

/// <summary>The payload of the chaos tasks that need nothing.</summary>
internal sealed record ChaosPayload;
