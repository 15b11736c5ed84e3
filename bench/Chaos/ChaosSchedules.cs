using OrleansTasks.Runs;

namespace OrleansTasks.Bench.Chaos;

/// <summary><c>chaos-scheduled</c>: the task the chaos schedules trigger; returns at once.</summary>
internal sealed class ChaosScheduledTask : ScheduledTask<bool>
{
    public const string TaskId = "chaos-scheduled";

    public override string Id => TaskId;

    public override RetryOptions RetryPolicy => RetryOptions.None;

    public override Task<bool> RunAsync(ScheduledPayload payload, TaskContext context, CancellationToken cancellationToken) => Task.FromResult(true);
}

/// <summary>
/// Every-minute schedules made before the load starts, with <see cref="MissedOccurrencePolicy.RunAll"/>, so every
/// occurrence from their creation to the end of the kills must make exactly one run, however the silos die: an
/// occurrence with no completed run is missed, one with two runs a duplicate.
/// </summary>
internal sealed class ChaosSchedules(ITaskClient tasks, string serviceId)
{
    public const int Count = 10;

    private readonly List<string> _ids = [];
    private DateTimeOffset _createdAt;

    public async Task CreateAsync(CancellationToken cancellationToken)
    {
        for (var i = 0; i < Count; i++)
        {
            var schedule = await tasks.Schedules.CreateAsync(
                new CreateScheduleOptions
                {
                    Task = ChaosScheduledTask.TaskId,
                    Cron = "* * * * *",
                    DeduplicationKey = $"chaos-{i}",
                    MissedOccurrences = MissedOccurrencePolicy.RunAll,
                    CatchUpWindow = TimeSpan.FromHours(1),
                },
                cancellationToken).ConfigureAwait(false);
            _ids.Add(schedule.Id);
        }

        _createdAt = DateTimeOffset.UtcNow;
    }

    /// <summary>
    /// The run each occurrence from creation to <paramref name="until"/> must have made, by the id the engine derives
    /// for it (a schedule's occurrence reaches one run id, whichever activation fires it).
    /// </summary>
    public IReadOnlyList<(string ScheduleId, DateTimeOffset Occurrence, string RunId)> Expected(DateTimeOffset until)
    {
        // Occurrences within a few seconds of creation may belong to the schedule's first plan or not: not counted.
        var first = s_everyMinute.NextAfter(_createdAt + TimeSpan.FromSeconds(15) - TimeSpan.FromTicks(1))!.Value;
        var expected = new List<(string, DateTimeOffset, string)>();
        foreach (var id in _ids)
        {
            for (var minute = first; minute <= until; minute = minute.AddMinutes(1))
            {
                expected.Add((id, minute, RunIds.ForOccurrence(serviceId, id, minute)));
            }
        }

        return expected;
    }

    public IReadOnlyList<string> ScheduleIds => _ids;

    private static readonly CronPattern s_everyMinute = CronPattern.Parse("* * * * *");
}
