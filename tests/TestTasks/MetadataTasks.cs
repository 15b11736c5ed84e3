namespace OrleansTasks.TestTasks;

/// <summary>
/// Changes its metadata before and after a wait that suspends it (so the attempt replays over the first changes), and
/// returns the count it reads back.
/// </summary>
public sealed class MetadataProgressTask : TaskDefinition<MetadataPayload, double>
{
    public override string Id => "metadata-progress";

    public override async Task<double> RunAsync(MetadataPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        Probe.Count($"{payload.Key}:executions");
        context.Metadata.Increment("count").Increment("count").Increment("count").Set("status", "halfway").Append("steps", "first");
        await context.Metadata.FlushAsync();
        await Wait.ForAsync(payload.Wait);
        context.Metadata.Increment("count").Set("status", "done").Append("steps", "second");
        if (payload.TooLarge)
        {
            try
            {
                context.Metadata.Set("blob", new string('x', 300_000));
            }
            catch (MetadataTooLargeException)
            {
                context.Metadata.Set("refused", true);
            }
        }

        return context.Metadata.Get<double>("count");
    }
}

public sealed record MetadataPayload(string Key, TimeSpan Wait, bool TooLarge = false);

/// <summary>Triggers children that each count themselves into this run's metadata, through <c>Metadata.Parent</c>.</summary>
public sealed class MetadataFanOutTask(MetadataChildTask child) : TaskDefinition<int, int>
{
    public override string Id => "metadata-fan-out";

    public override async Task<int> RunAsync(int payload, TaskContext context, CancellationToken cancellationToken)
    {
        context.Metadata.Set("total", payload);
        var results = await child.BatchTriggerAndWaitAsync(Enumerable.Range(0, payload));
        return results.Count(r => r.IsSuccess);
    }
}

public sealed class MetadataChildTask : TaskDefinition<int, int>
{
    public override string Id => "metadata-child";

    public override Task<int> RunAsync(int payload, TaskContext context, CancellationToken cancellationToken)
    {
        context.Metadata.Parent.Increment("done");
        context.Metadata.Root.Append("children", payload);
        return Task.FromResult(payload);
    }
}
