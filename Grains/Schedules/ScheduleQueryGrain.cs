using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace OrleansTasks.Schedules;

/// <summary>The <see cref="IScheduleQueryGrain"/>: a local stateless worker reading the schedule store.</summary>
[StatelessWorker]
internal sealed partial class ScheduleQueryGrain(IScheduleStore store, TimeProvider time, ILogger<ScheduleQueryGrain> logger) : Grain, IScheduleQueryGrain
{
    public async Task<SchedulePage> ListAsync(int page, int perPage, string? taskId)
    {
        SchedulePage.Check(page, perPage);
        var (schedules, count) = await store.ListAsync((page - 1) * perPage, perPage, taskId);
        var now = time.GetUtcNow();
        return new SchedulePage([.. schedules.Select(s => s.ToSchedule(ScheduleRule.For(s), now))], page, Math.Max(1, (count + perPage - 1) / perPage), count);
    }

    public Task<IReadOnlyList<string>> TimezonesAsync() => Task.FromResult(CronPattern.TimeZoneIds());

    public async Task<int> SyncDeclarativeAsync(IReadOnlyList<ScheduleSpec> declared)
    {
        var keep = new HashSet<string>(StringComparer.Ordinal);
        foreach (var spec in declared)
        {
            var id = ScheduleIds.ForDeclarative(spec.TaskId);
            keep.Add(id);
            await GrainFactory.Reference<IScheduleGrain>(id).PutAsync(spec);
        }

        var removed = 0;
        foreach (var id in await store.ListDeclarativeAsync())
        {
            if (!keep.Contains(id))
            {
                try
                {
                    var schedule = await GrainFactory.Reference<IScheduleGrain>(id).DeleteAsync(declarative: true);
                    LogRemoved(id, schedule.Task);
                    removed++;
                }
                catch (ScheduleNotFoundException)
                {
                    // Another silo starting at the same moment removed it first.
                }
            }
        }

        return removed;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Declarative schedule {ScheduleId} of task {TaskId} removed: no task declares it any more.")]
    private partial void LogRemoved(string scheduleId, string taskId);
}
