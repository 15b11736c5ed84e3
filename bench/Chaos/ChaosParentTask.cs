namespace OrleansTasks.Bench.Chaos;

/// <summary><c>chaos-parent</c>: triggers one <c>chaos-child</c> and waits for it; fails if the child did not succeed.</summary>
internal sealed class ChaosParentTask(ChaosChildTask child) : TaskDefinition<ChaosPayload, bool>
{
    public const string TaskId = "chaos-parent";

    public override string Id => TaskId;

    public override RetryOptions RetryPolicy => RetryOptions.None;

    public override async Task<bool> RunAsync(ChaosPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        // Unwrap throws (failing the attempt) unless the child completed.
        var result = await child.TriggerAndWaitAsync(new ChaosPayload());
        return result.Unwrap();
    }
}
