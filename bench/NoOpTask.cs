using System.Collections.Concurrent;
using System.Diagnostics;

namespace OrleansTasks.Bench;

/// <summary>Does nothing but note when its attempt started.</summary>
public sealed class NoOpTask : TaskDefinition<NoOpPayload, bool>
{
    internal static readonly ConcurrentDictionary<string, long> Started = new();

    public override string Id => "bench-noop";

    public override Task<bool> RunAsync(NoOpPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        Started.TryAdd(context.RunId, Stopwatch.GetTimestamp());
        return Task.FromResult(true);
    }
}

public sealed record NoOpPayload;
