namespace OrleansTasks.Bench.Chaos;

/// <summary><c>chaos-noop</c>: returns at once.</summary>
internal sealed class ChaosNoopTask : TaskDefinition<ChaosPayload, bool>
{
    public const string TaskId = "chaos-noop";

    public override string Id => TaskId;

    public override RetryOptions RetryPolicy => RetryOptions.None;

    public override Task<bool> RunAsync(ChaosPayload payload, TaskContext context, CancellationToken cancellationToken) => Task.FromResult(true);
}
