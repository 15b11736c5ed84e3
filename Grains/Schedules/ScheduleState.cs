namespace OrleansTasks.Schedules;

/// <summary>A schedule as stored: its settings, and how far it has fired.</summary>
internal sealed record ScheduleState
{
    public required string Id { get; init; }

    public required ScheduleSpec Spec { get; init; }

    public required bool Active { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Every occurrence with a nominal time up to here has been handled: fired, or skipped by a policy.</summary>
    public required DateTimeOffset Cursor { get; init; }

    /// <summary>The nominal time of the last occurrence that triggered a run.</summary>
    public DateTimeOffset? LastTimestamp { get; init; }

    /// <summary>The run the last occurrence triggered.</summary>
    public string? LastRunId { get; init; }

    /// <summary>When the schedule expects its reminder next; null while inactive or with no further occurrence.</summary>
    public DateTimeOffset? WakeAt { get; init; }

    /// <summary>The schedule as the client sees it (by its <paramref name="rule"/>), with its next occurrences from <paramref name="now"/>.</summary>
    public Schedule ToSchedule(ScheduleRule rule, DateTimeOffset now)
    {
        var upcoming = Active ? rule.Pattern.Upcoming(Cursor > now ? Cursor : now) : [];
        var next = upcoming.Count > 0 ? rule.At(upcoming[0]) : null;
        return new Schedule
        {
            Id = Id,
            Type = Spec.Type,
            Task = Spec.TaskId,
            Active = Active,
            DeduplicationKey = Spec.DeduplicationKey,
            ExternalId = Spec.ExternalId,
            Generator = new ScheduleGenerator("CRON", rule.Pattern.Expression, rule.Pattern.Description),
            Timezone = Spec.Timezone,
            Window = Spec.Window,
            NextRun = next?.Nominal,
            NextRunEffectiveAt = next?.EffectiveAt,
            Upcoming = upcoming,
            MissedOccurrences = Spec.MissedOccurrences,
            CatchUpWindow = Spec.CatchUpWindow,
            Overlap = Spec.Overlap,
            LastTimestamp = LastTimestamp,
            LastRunId = LastRunId,
            CreatedAt = CreatedAt,
            UpdatedAt = UpdatedAt,
        };
    }
}
