namespace OrleansTasks.Schedules;

/// <summary>
/// Checks a schedule's settings once, for the client, the grain and the declarative sync alike: the cron pattern
/// and zone (<see cref="CronPattern"/> names the field or zone), the window, the keys' lengths and the catch-up
/// window. Returns the settings in their stored form.
/// </summary>
internal static class ScheduleRules
{
    /// <exception cref="InvalidRequestException">A setting is not valid; the message names it.</exception>
    public static ScheduleSpec Check(ScheduleSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (string.IsNullOrWhiteSpace(spec.TaskId))
        {
            throw new InvalidRequestException("A schedule needs the id of the task it triggers.", "task");
        }

        if (string.IsNullOrWhiteSpace(spec.DeduplicationKey))
        {
            throw new InvalidRequestException("A schedule needs a deduplication key: creating again with the same key updates that schedule instead of making another.", "deduplicationKey");
        }

        if (spec.DeduplicationKey.Length > ScheduleSpec.MaxKeyLength)
        {
            throw new InvalidRequestException($"The deduplication key is {spec.DeduplicationKey.Length} characters; the most is {ScheduleSpec.MaxKeyLength}.", "deduplicationKey");
        }

        if (spec.ExternalId is { Length: > ScheduleSpec.MaxKeyLength } externalId)
        {
            throw new InvalidRequestException($"The external id is {externalId.Length} characters; the most is {ScheduleSpec.MaxKeyLength}.", "externalId");
        }

        if (!Enum.IsDefined(spec.MissedOccurrences))
        {
            throw new InvalidRequestException($"The missed-occurrence policy {(int)spec.MissedOccurrences} is not one of RunLatest, Skip, RunAll.", "missedOccurrences");
        }

        if (!Enum.IsDefined(spec.Overlap))
        {
            throw new InvalidRequestException($"The overlap policy {(int)spec.Overlap} is not one of Allow, Skip.", "overlap");
        }

        if (spec.CatchUpWindow <= TimeSpan.Zero || spec.CatchUpWindow > ScheduleSpec.MaxCatchUpWindow)
        {
            throw new InvalidRequestException($"The catch-up window is {spec.CatchUpWindow}; it must be more than zero and at most {ScheduleSpec.MaxCatchUpWindow.TotalDays:N0} days.", "catchUpWindow");
        }

        var pattern = CronPattern.Parse(spec.Cron, spec.Timezone);
        var window = ScheduleWindow.Parse(spec.Window);
        return spec with { Cron = pattern.Expression, Timezone = pattern.TimeZoneId, Window = window.Text, ExternalId = string.IsNullOrEmpty(spec.ExternalId) ? null : spec.ExternalId };
    }

    /// <summary>The settings of an imperative schedule from the client's options, named by <paramref name="deduplicationKey"/>.</summary>
    public static ScheduleSpec Imperative(ScheduleOptions options, string deduplicationKey)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Check(new ScheduleSpec
        {
            Type = ScheduleType.Imperative,
            TaskId = options.Task,
            Cron = options.Cron,
            DeduplicationKey = deduplicationKey,
            ExternalId = options.ExternalId,
            Timezone = options.Timezone ?? "",
            Window = options.Window ?? "",
            MissedOccurrences = options.MissedOccurrences,
            CatchUpWindow = options.CatchUpWindow ?? ScheduleSpec.DefaultCatchUpWindow,
            Overlap = options.Overlap,
        });
    }

    /// <summary>The settings of a task's declarative schedule.</summary>
    public static ScheduleSpec Declarative(string taskId, CronSchedule cron)
    {
        ArgumentNullException.ThrowIfNull(cron);
        return Check(new ScheduleSpec
        {
            Type = ScheduleType.Declarative,
            TaskId = taskId,
            Cron = cron.Pattern,
            DeduplicationKey = ScheduleIds.DeclarativeKey(taskId),
            Timezone = cron.Timezone ?? "",
            Window = cron.Window ?? "",
            MissedOccurrences = cron.MissedOccurrences,
            CatchUpWindow = cron.CatchUpWindow ?? ScheduleSpec.DefaultCatchUpWindow,
            Overlap = cron.Overlap,
        });
    }
}
