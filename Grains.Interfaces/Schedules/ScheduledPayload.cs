namespace OrleansTasks;

/// <summary>
/// What a scheduled task's run is given, as Trigger.dev's: the occurrence it is for and the schedule that made it.
/// </summary>
/// <param name="Timestamp">The occurrence's nominal time (before any window), in UTC.</param>
/// <param name="LastTimestamp">The schedule's previous occurrence that made a run; null the first time.</param>
/// <param name="Timezone">The schedule's IANA time zone (<c>UTC</c> by default).</param>
/// <param name="ScheduleId">The schedule, <c>sched_…</c>.</param>
/// <param name="ExternalId">What the schedule's creator tied it to (a user id, say); null if nothing.</param>
/// <param name="Upcoming">The next five occurrences after this one, in UTC.</param>
public sealed record ScheduledPayload(
    DateTimeOffset Timestamp,
    DateTimeOffset? LastTimestamp,
    string Timezone,
    string ScheduleId,
    string? ExternalId,
    IReadOnlyList<DateTimeOffset> Upcoming);
