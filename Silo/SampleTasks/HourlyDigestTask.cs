using Microsoft.Extensions.Logging;
using OrleansTasks;

namespace OrleansTasks.Silo.SampleTasks;

/// <summary>
/// A scheduled task with a declarative schedule: every hour on the hour, London time, spread over the first five
/// minutes. The silo creates the schedule at start-up (and removes it if this class goes); runs see their occurrence.
/// </summary>
public sealed class HourlyDigestTask : ScheduledTask<DigestSummary>
{
    public override string Id => "hourly-digest";

    public override CronSchedule? Cron => new("0 * * * *") { Timezone = "Europe/London", Window = "5m" };

    public override Task<DigestSummary> RunAsync(ScheduledPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        var since = payload.LastTimestamp ?? payload.Timestamp.AddHours(-1);
        context.Logger.LogInformation("Digest of {From:t} to {To:t} ({Zone}); next at {Next:t}", since, payload.Timestamp, payload.Timezone, payload.Upcoming[0]);
        return Task.FromResult(new DigestSummary(since, payload.Timestamp));
    }
}

public sealed record DigestSummary(DateTimeOffset From, DateTimeOffset To);
