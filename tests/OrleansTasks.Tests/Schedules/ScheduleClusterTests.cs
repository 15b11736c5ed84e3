using OrleansTasks.Tests.Infrastructure;

namespace OrleansTasks.Tests.Schedules;

/// <summary>Helpers for the schedule tests on real silo processes, which wait for real minutes to turn.</summary>
internal static class ScheduleClusterHelpers
{
    public static async Task<List<RunSummary>> RunsOfAsync(PostgresCluster cluster, string scheduleId) =>
        await cluster.Tasks.Runs.ListAsync(new RunFilter { ScheduleId = scheduleId }).ToListAsync();

    /// <summary>The nominal times the schedule's runs are for, oldest first (a time twice would be a duplicate).</summary>
    public static async Task<List<DateTimeOffset>> OccurrencesAsync(PostgresCluster cluster, string scheduleId)
    {
        var runs = await RunsOfAsync(cluster, scheduleId);
        var occurrences = new List<DateTimeOffset>();
        foreach (var run in runs)
        {
            occurrences.Add((await cluster.Tasks.Runs.RetrieveAsync(run.Id)).ScheduleOccurrence!.Value);
        }

        return [.. occurrences.Order()];
    }

    public static async Task UntilAsync(DateTimeOffset moment)
    {
        var wait = moment - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }
    }

    /// <summary>The first whole minute at least <paramref name="ahead"/> from now.</summary>
    public static DateTimeOffset MinuteAfter(TimeSpan ahead) => EveryMinute.NextAfter(DateTimeOffset.UtcNow + ahead - TimeSpan.FromTicks(1))!.Value;

    private static readonly CronPattern EveryMinute = CronPattern.Parse("* * * * *");
}

/// <summary>
/// An occurrence whose reminder lived on a silo killed just before it ticked still makes exactly one run, and the
/// schedules go on firing from the silo that is left.
/// </summary>
[Trait("Category", "Slow")]
[Trait("Category", "Postgres")]
public sealed class ScheduleFailoverTests
{
    [Fact]
    public async Task AnOccurrence_FiresOnce_WhenTheSiloOwningItsReminderIsKilledJustBeforeItTicks()
    {
        await using var cluster = await PostgresCluster.StartAsync(silos: 2);

        // Reminders are spread over the silos by a hash of the schedule id; with twelve schedules the killed silo owns
        // some of them (all twelve on the other would be a 1-in-4,096 chance).
        var schedules = new List<Schedule>();
        for (var i = 0; i < 12; i++)
        {
            schedules.Add(await cluster.Tasks.Schedules.CreateAsync(new CreateScheduleOptions { Task = "scheduled-probe", Cron = "* * * * *", DeduplicationKey = $"failover-{i}" }));
        }

        // The reminders tick 10 seconds (the lead) before the minute; the silo dies 3 seconds before that.
        var target = ScheduleClusterHelpers.MinuteAfter(TimeSpan.FromSeconds(25));
        await ScheduleClusterHelpers.UntilAsync(target - TimeSpan.FromSeconds(13));
        cluster.Silos[0].Kill();

        foreach (var schedule in schedules)
        {
            var occurrences = await Eventually.Poll(
                () => ScheduleClusterHelpers.OccurrencesAsync(cluster, schedule.Id),
                o => o.Contains(target.AddMinutes(1)),
                TimeSpan.FromMinutes(3),
                $"schedule {schedule.Id} to fire {target:t} and the minute after{Environment.NewLine}{cluster.Output}");
            Assert.Equal(1, occurrences.Count(o => o == target));
            Assert.Equal(occurrences.Count, occurrences.Distinct().Count());
        }

        var runs = (await Task.WhenAll(schedules.Select(s => ScheduleClusterHelpers.RunsOfAsync(cluster, s.Id)))).SelectMany(r => r).ToList();
        foreach (var run in runs)
        {
            var final = await Eventually.Poll(() => cluster.Tasks.Runs.RetrieveAsync(run.Id), r => r.IsFinal, TimeSpan.FromMinutes(1), $"run {run.Id} to finish");
            Assert.Equal(RunStatus.Completed, final.Status);
        }
    }
}

/// <summary>
/// A full cluster restart after real downtime: the schedules are still there and go on firing, and what each does
/// with the occurrences missed meanwhile follows its policy (skip, run the latest once, run all), while the overlap
/// policy skips occurrences as long as the previous run is unfinished.
/// </summary>
[Trait("Category", "Slow")]
[Trait("Category", "Postgres")]
public sealed class ScheduleDowntimeTests
{
    [Fact]
    public async Task AfterTheWholeClusterWasDown_MissedOccurrencesFollowEachPolicy_AndTheSchedulesGoOn()
    {
        // Missed after 5 s rather than 30 s, so two minutes of downtime miss two occurrences.
        var settings = new Dictionary<string, string> { ["OrleansTasks__Schedules__MissedAfter"] = "00:00:05" };
        await using var cluster = await PostgresCluster.StartAsync(silos: 1, settings);
        var skip = await Create(cluster, "skip", "scheduled-probe", MissedOccurrencePolicy.Skip, OverlapPolicy.Allow);
        var latest = await Create(cluster, "latest", "scheduled-probe", MissedOccurrencePolicy.RunLatest, OverlapPolicy.Allow);
        var all = await Create(cluster, "all", "scheduled-probe", MissedOccurrencePolicy.RunAll, OverlapPolicy.Allow);
        var overlap = await Create(cluster, "overlap", "scheduled-long", MissedOccurrencePolicy.RunLatest, OverlapPolicy.Skip);

        // The first occurrence fires for each; the long task's run suspends in its hour-long wait.
        var first = (await Eventually.Poll(() => ScheduleClusterHelpers.OccurrencesAsync(cluster, overlap.Id), o => o.Count == 1, TimeSpan.FromMinutes(2), "the first occurrence")).Single();
        foreach (var schedule in new[] { skip, latest, all })
        {
            await Eventually.Poll(() => ScheduleClusterHelpers.OccurrencesAsync(cluster, schedule.Id), o => o.Contains(first), TimeSpan.FromSeconds(30), $"{schedule.DeduplicationKey} to fire {first:t}");
        }

        var longRun = Assert.Single(await ScheduleClusterHelpers.RunsOfAsync(cluster, overlap.Id));
        await Eventually.Poll(() => cluster.Tasks.Runs.RetrieveAsync(longRun.Id), r => r.Status == RunStatus.Waiting, TimeSpan.FromSeconds(30), "the long run to wait");

        // Down for the next two occurrences, and past the second by more than the missed threshold.
        await cluster.Silos[0].StopAsync();
        var (second, third, fourth) = (first.AddMinutes(1), first.AddMinutes(2), first.AddMinutes(3));
        await ScheduleClusterHelpers.UntilAsync(third + TimeSpan.FromSeconds(8));
        await cluster.StartSiloAsync();

        // After the fourth occurrence has had time to fire (on time, from the restarted silo).
        await Eventually.Poll(() => ScheduleClusterHelpers.OccurrencesAsync(cluster, skip.Id), o => o.Contains(fourth), TimeSpan.FromMinutes(2), $"the schedules to go on after the restart{Environment.NewLine}{cluster.Output}");
        await ScheduleClusterHelpers.UntilAsync(fourth + TimeSpan.FromSeconds(5));

        Assert.Equal([first, fourth], await ScheduleClusterHelpers.OccurrencesAsync(cluster, skip.Id));
        Assert.Equal([first, third, fourth], await ScheduleClusterHelpers.OccurrencesAsync(cluster, latest.Id));
        Assert.Equal([first, second, third, fourth], await ScheduleClusterHelpers.OccurrencesAsync(cluster, all.Id));
        Assert.Equal([first], await ScheduleClusterHelpers.OccurrencesAsync(cluster, overlap.Id));

        var survived = await cluster.Tasks.Schedules.RetrieveAsync(latest.Id);
        Assert.Equal((fourth, MissedOccurrencePolicy.RunLatest), (survived.LastTimestamp, survived.MissedOccurrences));
        Assert.Equal(RunStatus.Waiting, (await cluster.Tasks.Runs.RetrieveAsync(longRun.Id)).Status);
    }

    private static Task<Schedule> Create(PostgresCluster cluster, string key, string task, MissedOccurrencePolicy missed, OverlapPolicy overlap) =>
        cluster.Tasks.Schedules.CreateAsync(new CreateScheduleOptions { Task = task, Cron = "* * * * *", DeduplicationKey = key, MissedOccurrences = missed, Overlap = overlap });
}

/// <summary>Declarative schedules follow the code the silos start with: created, updated, read-only to the client, and removed with the code.</summary>
[Trait("Category", "Slow")]
[Trait("Category", "Postgres")]
public sealed class DeclarativeScheduleTests
{
    [Fact]
    public async Task ADeclarativeSchedule_FollowsTheCode_AndDisappearsWhenRemovedFromIt()
    {
        await using var cluster = await PostgresCluster.StartAsync(silos: 0);
        var silo = await cluster.StartSiloAsync(new Dictionary<string, string> { ["TestSilo__DeclaredCron"] = "0 3 * * *" });

        var declared = await Eventually.Poll(
            () => Declarative(cluster), s => s.Count == 1, TimeSpan.FromSeconds(60), $"the declarative schedule to be created{Environment.NewLine}{cluster.Output}");
        var schedule = declared[0];
        Assert.Equal((ScheduleType.Declarative, "declared-schedule", "0 3 * * *", "Europe/London", "declarative:declared-schedule"),
            (schedule.Type, schedule.Task, schedule.Generator.Expression, schedule.Timezone, schedule.DeduplicationKey));
        Assert.True(schedule.Active);

        await Assert.ThrowsAsync<InvalidRequestException>(() => cluster.Tasks.Schedules.DeleteAsync(schedule.Id));
        await Assert.ThrowsAsync<InvalidRequestException>(() => cluster.Tasks.Schedules.DeactivateAsync(schedule.Id));
        await Assert.ThrowsAsync<InvalidRequestException>(() =>
            cluster.Tasks.Schedules.UpdateAsync(schedule.Id, new UpdateScheduleOptions { Task = "declared-schedule", Cron = "0 5 * * *" }));

        // New code: the same schedule, with the new pattern.
        await silo.StopAsync();
        silo = await cluster.StartSiloAsync(new Dictionary<string, string> { ["TestSilo__DeclaredCron"] = "0 4 * * *" });
        var changed = await Eventually.Poll(
            () => cluster.Tasks.Schedules.RetrieveAsync(schedule.Id), s => s.Generator.Expression == "0 4 * * *", TimeSpan.FromSeconds(60), "the declarative schedule to follow the code");
        Assert.Equal(schedule.CreatedAt, changed.CreatedAt);

        // Code without it: gone.
        await silo.StopAsync();
        await cluster.StartSiloAsync();
        await Eventually.Poll(() => Declarative(cluster), s => s.Count == 0, TimeSpan.FromSeconds(60), $"the declarative schedule to be removed{Environment.NewLine}{cluster.Output}");
        await Assert.ThrowsAsync<ScheduleNotFoundException>(() => cluster.Tasks.Schedules.RetrieveAsync(schedule.Id));
    }

    private static async Task<List<Schedule>> Declarative(PostgresCluster cluster) =>
        [.. (await cluster.Tasks.Schedules.ListAsync(perPage: 1000)).Data.Where(s => s.Type == ScheduleType.Declarative)];
}
