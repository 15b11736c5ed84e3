using Npgsql;

namespace OrleansTasks.Bench.Chaos;

/// <summary><c>chaos-wait</c>: a step, a durable wait of the payload's seconds, another step.</summary>
internal sealed class ChaosWaitTask(NpgsqlDataSource database) : TaskDefinition<ChaosWaitPayload, bool>
{
    public const string TaskId = "chaos-wait";

    public override string Id => TaskId;

    public override RetryOptions RetryPolicy => RetryOptions.None;

    public override async Task<bool> RunAsync(ChaosWaitPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        await context.StepAsync("before", token => ChaosEffects.RecordAsync(database, context, "before", token));
        context.Metadata.Increment(ChaosReport.ProgressCounter);
        await Wait.ForAsync(TimeSpan.FromSeconds(payload.Seconds));
        await context.StepAsync("after", token => ChaosEffects.RecordAsync(database, context, "after", token));
        context.Metadata.Increment(ChaosReport.ProgressCounter);
        return true;
    }
}
