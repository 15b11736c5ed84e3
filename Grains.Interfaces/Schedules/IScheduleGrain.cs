namespace OrleansTasks.Schedules;

/// <summary>
/// One schedule, keyed by its id (<c>sched_…</c>, made from its deduplication key): its settings, what it has fired,
/// and the Orleans reminder that wakes it before each occurrence. Engine grain.
/// </summary>
[Alias("ot.IScheduleGrain")]
internal interface IScheduleGrain : IGrainWithStringKey
{
    /// <summary>Creates the schedule, or replaces the settings of the one this id names; returns it.</summary>
    /// <exception cref="InvalidRequestException">A setting is not valid (the message names it); nothing changed.</exception>
    /// <exception cref="UnknownTaskException">No silo registered the task.</exception>
    [Alias("put")]
    Task<Schedule> PutAsync(ScheduleSpec spec);

    /// <summary>The schedule.</summary>
    /// <exception cref="ScheduleNotFoundException">No such schedule.</exception>
    [Alias("get")]
    Task<Schedule> GetAsync();

    /// <summary>Replaces an existing schedule's settings.</summary>
    /// <exception cref="ScheduleNotFoundException">No such schedule.</exception>
    /// <exception cref="InvalidRequestException">The schedule is declarative.</exception>
    [Alias("update")]
    Task<Schedule> UpdateAsync(ScheduleSpec spec);

    /// <summary>Turns firing on or off.</summary>
    /// <exception cref="ScheduleNotFoundException">No such schedule.</exception>
    /// <exception cref="InvalidRequestException">The schedule is declarative.</exception>
    [Alias("set-active")]
    Task<Schedule> SetActiveAsync(bool active);

    /// <summary>Deletes the schedule and its reminder; runs it already triggered stay. <paramref name="declarative"/> is the start-up sync's own call.</summary>
    /// <exception cref="ScheduleNotFoundException">No such schedule.</exception>
    /// <exception cref="InvalidRequestException">The schedule is declarative and the call is not the sync's.</exception>
    [Alias("delete")]
    Task<Schedule> DeleteAsync(bool declarative);

    /// <summary>Triggers each occurrence whose nominal time lies after <paramref name="from"/> up to <paramref name="to"/>, once.</summary>
    /// <exception cref="ScheduleNotFoundException">No such schedule.</exception>
    /// <exception cref="InvalidRequestException">The range is empty, in the future, or holds more than 1,000 occurrences.</exception>
    [Alias("backfill")]
    Task<BackfillResult> BackfillAsync(DateTimeOffset from, DateTimeOffset to);

    /// <summary>Fires whatever is due and makes sure the reminder is set: the sweep's call for a schedule whose wake-up was missed.</summary>
    [Alias("poke")]
    Task PokeAsync();
}

/// <summary>Lists schedules and keeps the declarative ones in step with the code. Engine grain (a local stateless worker).</summary>
[Alias("ot.IScheduleQueryGrain")]
internal interface IScheduleQueryGrain : IGrainWithIntegerKey
{
    /// <summary>One page of schedules, newest first.</summary>
    [Alias("list")]
    Task<SchedulePage> ListAsync(int page, int perPage, string? taskId);

    /// <summary>
    /// Makes the declarative schedules exactly <paramref name="declared"/>: each is created or updated, and every other
    /// declarative schedule deleted. Returns how many were removed.
    /// </summary>
    [Alias("sync-declarative")]
    Task<int> SyncDeclarativeAsync(IReadOnlyList<ScheduleSpec> declared);

    /// <summary>The IANA zones this silo knows, sorted, with <c>UTC</c>.</summary>
    [Alias("timezones")]
    Task<IReadOnlyList<string>> TimezonesAsync();
}

/// <summary>The one grain that sweeps schedules whose reminder tick was lost and wakes them. Engine grain.</summary>
[Alias("ot.IScheduleSweepGrain")]
internal interface IScheduleSweepGrain : IGrainWithIntegerKey
{
    /// <summary>Sweeps now (and makes sure the sweep is running).</summary>
    [Alias("poke")]
    Task PokeAsync();
}
