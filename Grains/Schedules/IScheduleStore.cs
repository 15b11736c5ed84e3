namespace OrleansTasks.Schedules;

/// <summary>Where schedules are kept: the <c>schedules</c> table, or memory in development mode.</summary>
internal interface IScheduleStore
{
    Task<ScheduleState?> LoadAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Writes the schedule whole (creating it if new). Writes made together may share one commit.</summary>
    Task SaveAsync(ScheduleState state, CancellationToken cancellationToken = default);

    Task DeleteAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>A page of schedules, newest first (of one task when <paramref name="taskId"/> is given), and how many there are in all.</summary>
    Task<(IReadOnlyList<ScheduleState> Page, int Count)> ListAsync(int offset, int limit, string? taskId, CancellationToken cancellationToken = default);

    /// <summary>The ids of every declarative schedule.</summary>
    Task<IReadOnlyList<string>> ListDeclarativeAsync(CancellationToken cancellationToken = default);

    /// <summary>Active schedules that expected their reminder before <paramref name="before"/>, oldest first.</summary>
    Task<IReadOnlyList<string>> FindOverdueAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken = default);
}
