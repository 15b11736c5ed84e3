namespace OrleansTasks;

/// <summary>
/// A scheduled task (Trigger.dev's <c>schedules.task</c>): its payload is the occurrence that triggered it. Override
/// <see cref="Cron"/> to give it a declarative schedule, which the silo creates, updates and removes to match the code
/// at start-up; leave it null to attach imperative schedules through the client (<c>tasks.Schedules.CreateAsync</c>).
/// </summary>
/// <typeparam name="TOutput">What the task returns.</typeparam>
/// <example>
/// <code>
/// public sealed class NightlyReport : ScheduledTask&lt;ReportSummary&gt;
/// {
///     public override string Id =&gt; "nightly-report";
///     public override CronSchedule? Cron =&gt; new("0 2 * * *") { Timezone = "Europe/London" };
///
///     public override Task&lt;ReportSummary&gt; RunAsync(ScheduledPayload payload, TaskContext context, CancellationToken cancellationToken) =&gt;
///         BuildAsync(payload.Timestamp, cancellationToken);
/// }
/// </code>
/// </example>
public abstract class ScheduledTask<TOutput> : TaskDefinition<ScheduledPayload, TOutput>, IScheduledTask
{
    /// <summary>The task's declarative schedule; null (the default) for none. A string converts: <c>"0 * * * *"</c> is hourly, in UTC.</summary>
    public virtual CronSchedule? Cron => null;
}

/// <summary>What the engine asks a scheduled task for.</summary>
internal interface IScheduledTask
{
    CronSchedule? Cron { get; }
}

/// <summary>
/// A declarative schedule: a five-field cron pattern (UTC unless <see cref="Timezone"/> says otherwise), and optionally
/// a spread window and the policies for missed and overlapping occurrences.
/// </summary>
/// <param name="Pattern">Five fields, e.g. <c>0 9 * * 1-5</c>.</param>
public sealed record CronSchedule(string Pattern)
{
    /// <summary>An IANA time zone such as <c>America/New_York</c>; null for UTC.</summary>
    public string? Timezone { get; init; }

    /// <summary>Spreads the runs after each nominal time: <c>30m</c>, <c>2h</c> or <c>50%</c>; null for none.</summary>
    public string? Window { get; init; }

    /// <summary>What happens to occurrences missed while the cluster was down. Default: <see cref="MissedOccurrencePolicy.RunLatest"/>.</summary>
    public MissedOccurrencePolicy MissedOccurrences { get; init; }

    /// <summary>How far back <see cref="MissedOccurrencePolicy.RunAll"/> catches up; null for one day.</summary>
    public TimeSpan? CatchUpWindow { get; init; }

    /// <summary>What an occurrence does while the previous run is unfinished. Default: <see cref="OverlapPolicy.Allow"/>.</summary>
    public OverlapPolicy Overlap { get; init; }

    /// <summary>A pattern in UTC.</summary>
    public static implicit operator CronSchedule(string pattern) => new(pattern);
}
