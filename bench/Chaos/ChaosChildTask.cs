using Npgsql;

namespace OrleansTasks.Bench.Chaos;

/// <summary><c>chaos-child</c>: one step; <see cref="ChaosParentTask"/> triggers it and waits for it.</summary>
internal sealed class ChaosChildTask(NpgsqlDataSource database) : TaskDefinition<ChaosPayload, bool>
{
    public const string TaskId = "chaos-child";

    public override string Id => TaskId;

    public override RetryOptions RetryPolicy => RetryOptions.None;

    public override async Task<bool> RunAsync(ChaosPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        await context.StepAsync("work", token => ChaosEffects.RecordAsync(database, context, "work", token));
        context.Metadata.Parent.Increment(ChaosReport.ChildrenCounter);
        return true;
    }
}
