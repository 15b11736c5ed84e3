namespace OrleansTasks.TestTasks;

/// <summary>A queue limited to 3: each run holds its slot for the payload's duration.</summary>
public sealed class LimitedTask : TaskDefinition<HoldPayload, int>
{
    public const int Limit = 3;

    public override string Id => "limited";

    public override QueueOptions Queue => new() { ConcurrencyLimit = Limit };

    public override async Task<int> RunAsync(HoldPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        using (Probe.Enter(Id))
        {
            await Task.Delay(payload.Duration, cancellationToken);
        }

        return payload.Sequence;
    }
}

/// <summary>A queue limited to 1, recording the order runs start in.</summary>
public sealed class OneAtATimeTask : TaskDefinition<HoldPayload, int>
{
    public override string Id => "one-at-a-time";

    public override QueueOptions Queue => new() { ConcurrencyLimit = 1 };

    public override async Task<int> RunAsync(HoldPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        Probe.Record(Id, payload.Sequence);
        using (Probe.Enter(Id))
        {
            await Task.Delay(payload.Duration, cancellationToken);
        }

        return payload.Sequence;
    }
}

/// <summary>A paused queue (limit 0): its runs stay queued.</summary>
public sealed class PausedTask : TaskDefinition<EmptyPayload, string>
{
    public override string Id => "paused";

    public override QueueOptions Queue => new() { Name = "paused-queue", ConcurrencyLimit = 0 };

    public override Task<string> RunAsync(EmptyPayload payload, TaskContext context, CancellationToken cancellationToken) =>
        Task.FromResult("a paused queue never runs this");
}

/// <summary>No limit: runs as many at once as are triggered.</summary>
public sealed class UnlimitedTask : TaskDefinition<HoldPayload, int>
{
    public override string Id => "unlimited";

    public override async Task<int> RunAsync(HoldPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        using (Probe.Enter(Id))
        {
            await Task.Delay(payload.Duration, cancellationToken);
        }

        return payload.Sequence;
    }
}

public sealed record HoldPayload(TimeSpan Duration, int Sequence = 0);
