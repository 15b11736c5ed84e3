namespace OrleansTasks.TestTasks;

/// <summary>A scheduled task that returns the occurrence it was given, so a test can read each run's payload from its output.</summary>
public sealed class ScheduledProbeTask : ScheduledTask<ScheduledPayload>
{
    public override string Id => "scheduled-probe";

    public override Task<ScheduledPayload> RunAsync(ScheduledPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        Probe.Count($"scheduled:{payload.ScheduleId}:{payload.Timestamp.ToUnixTimeSeconds()}");
        return Task.FromResult(payload);
    }
}

/// <summary>A scheduled task whose runs stay unfinished for an hour (suspended in a wait), for the overlap policy.</summary>
public sealed class ScheduledLongTask : ScheduledTask<string>
{
    public override string Id => "scheduled-long";

    public override async Task<string> RunAsync(ScheduledPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        await Wait.ForAsync(TimeSpan.FromHours(1), cancellationToken);
        return "done";
    }
}
