namespace OrleansTasks;

/// <summary>
/// Imperative schedules (Trigger.dev's <c>schedules.*</c>): <see cref="ITaskClient.Schedules"/>. Declarative schedules
/// (a task's <c>Cron</c>) are listed and read here too, but changed only in code.
/// </summary>
public interface ISchedulesClient
{
    /// <summary>
    /// Creates a schedule for a scheduled task, or, when a schedule with the same deduplication key exists, replaces its
    /// settings. Everything is checked before anything is written.
    /// </summary>
    /// <exception cref="InvalidRequestException">The cron expression (the message names the field), the time zone, the window or a key is not valid, or the task does not take a <see cref="ScheduledPayload"/>.</exception>
    /// <exception cref="UnknownTaskException">No silo registered the task.</exception>
    Task<Schedule> CreateAsync(CreateScheduleOptions options, CancellationToken cancellationToken = default);

    /// <summary>One schedule, with its next occurrences.</summary>
    /// <exception cref="ScheduleNotFoundException">No schedule has this id.</exception>
    Task<Schedule> RetrieveAsync(string scheduleId, CancellationToken cancellationToken = default);

    /// <summary>A page of schedules, newest first; of one task when <paramref name="taskId"/> is given.</summary>
    /// <param name="page">The page, from 1.</param>
    /// <param name="perPage">Schedules per page, 1 to 1,000.</param>
    /// <param name="taskId">Only this task's schedules; null for all.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="InvalidRequestException">The page or page size is out of range.</exception>
    Task<SchedulePage> ListAsync(int page = 1, int perPage = 100, string? taskId = null, CancellationToken cancellationToken = default);

    /// <summary>Replaces an imperative schedule's settings (its deduplication key stays). Occurrences of a new pattern count from now.</summary>
    /// <exception cref="ScheduleNotFoundException">No schedule has this id.</exception>
    /// <exception cref="InvalidRequestException">A setting is not valid, or the schedule is declarative.</exception>
    Task<Schedule> UpdateAsync(string scheduleId, UpdateScheduleOptions options, CancellationToken cancellationToken = default);

    /// <summary>Turns an imperative schedule on; occurrences while it was off are not run.</summary>
    /// <exception cref="ScheduleNotFoundException">No schedule has this id.</exception>
    /// <exception cref="InvalidRequestException">The schedule is declarative.</exception>
    Task<Schedule> ActivateAsync(string scheduleId, CancellationToken cancellationToken = default);

    /// <summary>Turns an imperative schedule off; a run it triggered ahead of its start and not yet started is cancelled.</summary>
    /// <exception cref="ScheduleNotFoundException">No schedule has this id.</exception>
    /// <exception cref="InvalidRequestException">The schedule is declarative.</exception>
    Task<Schedule> DeactivateAsync(string scheduleId, CancellationToken cancellationToken = default);

    /// <summary>Deletes an imperative schedule; the runs it triggered stay. Returns it as it was.</summary>
    /// <exception cref="ScheduleNotFoundException">No schedule has this id.</exception>
    /// <exception cref="InvalidRequestException">The schedule is declarative.</exception>
    Task<Schedule> DeleteAsync(string scheduleId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Triggers every occurrence whose nominal time is after <paramref name="from"/> and at most <paramref name="to"/>
    /// (at most 1,000), each once: an occurrence that already has its run (fired, or backfilled before) is not run again.
    /// Backfilled runs start now, in order, whatever the overlap policy.
    /// </summary>
    /// <exception cref="ScheduleNotFoundException">No schedule has this id.</exception>
    /// <exception cref="InvalidRequestException">The range is empty, reaches into the future, or holds more than 1,000 occurrences.</exception>
    Task<BackfillResult> BackfillAsync(string scheduleId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default);

    /// <summary>The IANA time zones schedules may use (the silo's list), sorted; <c>UTC</c> included unless <paramref name="excludeUtc"/>.</summary>
    Task<IReadOnlyList<string>> TimezonesAsync(bool excludeUtc = false, CancellationToken cancellationToken = default);
}
