namespace OrleansTasks;

/// <summary>A schedule's settings, as <see cref="CreateScheduleOptions"/> and <see cref="UpdateScheduleOptions"/> give them.</summary>
public abstract record ScheduleOptions
{
    /// <summary>The id of a scheduled task (one whose payload is <see cref="ScheduledPayload"/>).</summary>
    public required string Task { get; init; }

    /// <summary>Five fields: minute hour day-of-month month day-of-week, e.g. <c>0 9 * * 1-5</c>.</summary>
    public required string Cron { get; init; }

    /// <summary>What the schedule is for (a user id, say), passed to each run; at most 256 characters; null for nothing.</summary>
    public string? ExternalId { get; init; }

    /// <summary>An IANA time zone such as <c>Europe/London</c>; null for UTC. See <c>Schedules.TimezonesAsync</c>.</summary>
    public string? Timezone { get; init; }

    /// <summary>Spreads runs after each nominal time: <c>30m</c>, <c>2h</c> (at most 24 h) or <c>50%</c> of the interval; null for none.</summary>
    public string? Window { get; init; }

    /// <summary>What happens to occurrences missed while the cluster was down. Default: <see cref="MissedOccurrencePolicy.RunLatest"/>.</summary>
    public MissedOccurrencePolicy MissedOccurrences { get; init; }

    /// <summary>How far back <see cref="MissedOccurrencePolicy.RunAll"/> catches up: up to 7 days; null for one day.</summary>
    public TimeSpan? CatchUpWindow { get; init; }

    /// <summary>What an occurrence does while the previous run is unfinished. Default: <see cref="OverlapPolicy.Allow"/>.</summary>
    public OverlapPolicy Overlap { get; init; }
}

/// <summary>
/// What <c>Schedules.CreateAsync</c> takes (Trigger.dev's <c>schedules.create</c>, plus this engine's policies).
/// Creating again with the same <see cref="DeduplicationKey"/> updates that schedule instead of making a second.
/// </summary>
public sealed record CreateScheduleOptions : ScheduleOptions
{
    /// <summary>Names the schedule: required; at most 256 characters.</summary>
    public required string DeduplicationKey { get; init; }
}

/// <summary>What <c>Schedules.UpdateAsync</c> takes: the schedule's settings, replaced whole (as Trigger.dev's <c>schedules.update</c>); its key stays.</summary>
public sealed record UpdateScheduleOptions : ScheduleOptions;
