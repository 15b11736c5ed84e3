using OrleansTasks.Schedules;

namespace OrleansTasks;

/// <summary>The <see cref="ISchedulesClient"/>: checks what it can before calling, then calls the schedule's grain.</summary>
internal sealed class SchedulesClient(TaskClient client, IGrainFactory grains) : ISchedulesClient
{
    public Task<Schedule> CreateAsync(CreateScheduleOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var spec = ScheduleRules.Imperative(options, options.DeduplicationKey);
        return client.CallAsync(() => Grain(ScheduleIds.ForKey(spec.DeduplicationKey)).PutAsync(spec), cancellationToken);
    }

    public Task<Schedule> RetrieveAsync(string scheduleId, CancellationToken cancellationToken = default) =>
        client.CallAsync(() => Existing(scheduleId).GetAsync(), cancellationToken);

    public Task<SchedulePage> ListAsync(int page = 1, int perPage = 100, string? taskId = null, CancellationToken cancellationToken = default)
    {
        SchedulePage.Check(page, perPage);
        return client.CallAsync(() => grains.Reference<IScheduleQueryGrain>(0).ListAsync(page, perPage, taskId), cancellationToken);
    }

    public Task<Schedule> UpdateAsync(string scheduleId, UpdateScheduleOptions options, CancellationToken cancellationToken = default)
    {
        // Checked here so a bad setting never reaches the grain; the grain keeps the schedule's own deduplication key.
        var spec = ScheduleRules.Imperative(options, deduplicationKey: scheduleId);
        return client.CallAsync(() => Existing(scheduleId).UpdateAsync(spec), cancellationToken);
    }

    public Task<Schedule> ActivateAsync(string scheduleId, CancellationToken cancellationToken = default) =>
        client.CallAsync(() => Existing(scheduleId).SetActiveAsync(true), cancellationToken);

    public Task<Schedule> DeactivateAsync(string scheduleId, CancellationToken cancellationToken = default) =>
        client.CallAsync(() => Existing(scheduleId).SetActiveAsync(false), cancellationToken);

    public Task<Schedule> DeleteAsync(string scheduleId, CancellationToken cancellationToken = default) =>
        client.CallAsync(() => Existing(scheduleId).DeleteAsync(declarative: false), cancellationToken);

    public Task<BackfillResult> BackfillAsync(string scheduleId, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default) =>
        client.CallAsync(() => Existing(scheduleId).BackfillAsync(from, to), cancellationToken);

    public async Task<IReadOnlyList<string>> TimezonesAsync(bool excludeUtc = false, CancellationToken cancellationToken = default)
    {
        var zones = await client.CallAsync(() => grains.Reference<IScheduleQueryGrain>(0).TimezonesAsync(), cancellationToken).ConfigureAwait(false);
        return excludeUtc ? [.. zones.Where(z => z != "UTC")] : zones;
    }

    private IScheduleGrain Grain(string id) => grains.Reference<IScheduleGrain>(id);

    /// <summary>The grain of an id that can name a schedule; anything else names none, and no grain is woken for it.</summary>
    private IScheduleGrain Existing(string scheduleId)
    {
        ArgumentNullException.ThrowIfNull(scheduleId);
        return ScheduleIds.IsScheduleId(scheduleId) ? Grain(scheduleId) : throw new ScheduleNotFoundException(scheduleId);
    }
}
