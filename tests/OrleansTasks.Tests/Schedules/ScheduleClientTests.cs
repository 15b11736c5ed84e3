using System.Text.Json;
using OrleansTasks.Schedules;
using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Schedules;

/// <summary>
/// The client's schedules API on an in-process cluster: create (and create again to update), retrieve, list, update,
/// activate, deactivate, delete, backfill and time zones, and every way a bad request is refused with nothing created.
/// The schedules here fire rarely (once a year) or only by backfill, so they never add runs to other tests.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ScheduleClientTests(ClusterFixture fixture)
{
    private ISchedulesClient Schedules => fixture.Tasks.Schedules;

    private static string Key() => "test-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Create_ReturnsTrigger_DevsScheduleObject_AndRetrieveReadsItBack()
    {
        var key = Key();
        var created = await Schedules.CreateAsync(new CreateScheduleOptions
        {
            Task = "scheduled-probe",
            Cron = "0 9 * * 1-5",
            DeduplicationKey = key,
            ExternalId = "user_42",
            Timezone = "Europe/London",
        });

        Assert.StartsWith("sched_", created.Id, StringComparison.Ordinal);
        Assert.Equal(ScheduleType.Imperative, created.Type);
        Assert.Equal("scheduled-probe", created.Task);
        Assert.True(created.Active);
        Assert.Equal(key, created.DeduplicationKey);
        Assert.Equal("user_42", created.ExternalId);
        Assert.Equal(new ScheduleGenerator("CRON", "0 9 * * 1-5", "at 09:00, Monday through Friday"), created.Generator);
        Assert.Equal("Europe/London", created.Timezone);
        Assert.Equal("0m", created.Window);
        Assert.Equal(MissedOccurrencePolicy.RunLatest, created.MissedOccurrences);
        Assert.Equal(OverlapPolicy.Allow, created.Overlap);

        var pattern = CronPattern.Parse("0 9 * * 1-5", "Europe/London");
        Assert.Equal(5, created.Upcoming.Count);
        Assert.Equal(created.Upcoming[0], created.NextRun);
        Assert.Equal(created.NextRun, created.NextRunEffectiveAt);
        Assert.Equal(pattern.Upcoming(created.Upcoming[0].AddTicks(-1)), created.Upcoming);

        var retrieved = await Schedules.RetrieveAsync(created.Id);
        Assert.Equal(created with { Upcoming = [] }, retrieved with { Upcoming = [] });
        await Schedules.DeleteAsync(created.Id);
    }

    [Fact]
    public async Task CreatingAgainWithTheSameKey_UpdatesThatSchedule_InsteadOfMakingAnother()
    {
        var key = Key();
        var first = await Schedules.CreateAsync(new CreateScheduleOptions { Task = "scheduled-probe", Cron = "0 0 1 1 *", DeduplicationKey = key });
        var second = await Schedules.CreateAsync(new CreateScheduleOptions
        {
            Task = "scheduled-probe",
            Cron = "0 12 1 1 *",
            DeduplicationKey = key,
            Window = "30m",
            MissedOccurrences = MissedOccurrencePolicy.RunAll,
            CatchUpWindow = TimeSpan.FromHours(6),
            Overlap = OverlapPolicy.Skip,
        });

        Assert.Equal(first.Id, second.Id);
        Assert.Equal("0 12 1 1 *", (await Schedules.RetrieveAsync(first.Id)).Generator.Expression);
        Assert.Equal((MissedOccurrencePolicy.RunAll, TimeSpan.FromHours(6), OverlapPolicy.Skip, "30m"), (second.MissedOccurrences, second.CatchUpWindow, second.Overlap, second.Window));
        Assert.InRange(second.NextRunEffectiveAt!.Value - second.NextRun!.Value, TimeSpan.Zero, TimeSpan.FromMinutes(30));
        var all = await ListAllAsync();
        Assert.Single(all, s => s.DeduplicationKey == key);
        await Schedules.DeleteAsync(first.Id);
    }

    [Theory]
    [InlineData("0 9 * *", "five")]
    [InlineData("61 9 * * *", "minute field")]
    [InlineData("0 25 * * *", "hour field")]
    [InlineData("0 9 32 * *", "day of month field")]
    [InlineData("0 9 * 13 *", "month field")]
    [InlineData("0 9 * * 8", "day of week field")]
    [InlineData("0 0 9 * * *", "five")]
    public async Task ABadCronExpression_IsRefusedNamingTheField_AndNothingIsCreated(string cron, string named)
    {
        var key = Key();
        var error = await Assert.ThrowsAsync<InvalidRequestException>(() =>
            Schedules.CreateAsync(new CreateScheduleOptions { Task = "scheduled-probe", Cron = cron, DeduplicationKey = key }));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ScheduleNotFoundException>(() => Schedules.RetrieveAsync(ScheduleIds.ForKey(key)));
    }

    [Fact]
    public async Task AnUnknownTimeZone_IsRefusedNamingTheZone_AndNothingIsCreated()
    {
        var key = Key();
        var error = await Assert.ThrowsAsync<InvalidRequestException>(() =>
            Schedules.CreateAsync(new CreateScheduleOptions { Task = "scheduled-probe", Cron = "0 9 * * *", DeduplicationKey = key, Timezone = "Mars/Olympus_Mons" }));

        Assert.Contains("'Mars/Olympus_Mons'", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ScheduleNotFoundException>(() => Schedules.RetrieveAsync(ScheduleIds.ForKey(key)));
    }

    [Fact]
    public async Task OtherBadSettings_AreRefusedSayingWhatWasWrong()
    {
        var valid = new CreateScheduleOptions { Task = "scheduled-probe", Cron = "0 9 * * *", DeduplicationKey = Key() };

        Assert.Contains("deduplication key", (await Assert.ThrowsAsync<InvalidRequestException>(() => Schedules.CreateAsync(valid with { DeduplicationKey = " " }))).Message, StringComparison.Ordinal);
        Assert.Contains("window", (await Assert.ThrowsAsync<InvalidRequestException>(() => Schedules.CreateAsync(valid with { Window = "25h" }))).Message, StringComparison.Ordinal);
        Assert.Contains("catch-up window", (await Assert.ThrowsAsync<InvalidRequestException>(() => Schedules.CreateAsync(valid with { CatchUpWindow = TimeSpan.FromDays(8) }))).Message, StringComparison.Ordinal);
        Assert.Contains("ScheduledPayload", (await Assert.ThrowsAsync<InvalidRequestException>(() => Schedules.CreateAsync(valid with { Task = "echo" }))).Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<UnknownTaskException>(() => Schedules.CreateAsync(valid with { Task = "no-such-task" }));
        await Assert.ThrowsAsync<ScheduleNotFoundException>(() => Schedules.RetrieveAsync(ScheduleIds.ForKey(valid.DeduplicationKey)));
        await Assert.ThrowsAsync<InvalidRequestException>(() => Schedules.ListAsync(page: 0));
        await Assert.ThrowsAsync<InvalidRequestException>(() => Schedules.ListAsync(perPage: 1001));
    }

    [Fact]
    public async Task UpdateDeactivateActivateDelete_ChangeTheSchedule_AndAnUnknownIdIsNotFound()
    {
        var created = await Schedules.CreateAsync(new CreateScheduleOptions { Task = "scheduled-probe", Cron = "0 0 1 1 *", DeduplicationKey = Key() });

        var updated = await Schedules.UpdateAsync(created.Id, new UpdateScheduleOptions { Task = "scheduled-probe", Cron = "0 6 1 1 *", Timezone = "America/New_York", ExternalId = "team_7" });
        Assert.Equal(("0 6 1 1 *", "America/New_York", "team_7", created.DeduplicationKey), (updated.Generator.Expression, updated.Timezone, updated.ExternalId, updated.DeduplicationKey));

        var off = await Schedules.DeactivateAsync(created.Id);
        Assert.False(off.Active);
        Assert.Null(off.NextRun);
        Assert.Empty(off.Upcoming);
        Assert.False((await Schedules.RetrieveAsync(created.Id)).Active);

        var on = await Schedules.ActivateAsync(created.Id);
        Assert.True(on.Active);
        Assert.Equal(CronPattern.Parse("0 6 1 1 *", "America/New_York").NextAfter(DateTimeOffset.UtcNow), on.NextRun);

        await Assert.ThrowsAsync<InvalidRequestException>(() => Schedules.UpdateAsync(created.Id, new UpdateScheduleOptions { Task = "scheduled-probe", Cron = "bad" }));
        Assert.Equal("0 6 1 1 *", (await Schedules.RetrieveAsync(created.Id)).Generator.Expression);

        var deleted = await Schedules.DeleteAsync(created.Id);
        Assert.Equal(created.Id, deleted.Id);
        await Assert.ThrowsAsync<ScheduleNotFoundException>(() => Schedules.RetrieveAsync(created.Id));
        await Assert.ThrowsAsync<ScheduleNotFoundException>(() => Schedules.DeleteAsync(created.Id));
        await Assert.ThrowsAsync<ScheduleNotFoundException>(() => Schedules.ActivateAsync(created.Id));
        await Assert.ThrowsAsync<ScheduleNotFoundException>(() => Schedules.RetrieveAsync("sched_nope"));
        await Assert.ThrowsAsync<ScheduleNotFoundException>(() => Schedules.RetrieveAsync("run_0000000000000000000000000"));
    }

    [Fact]
    public async Task List_PagesNewestFirst_AndFiltersByTask()
    {
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await Schedules.CreateAsync(new CreateScheduleOptions { Task = "scheduled-long", Cron = "0 0 1 1 *", DeduplicationKey = Key() })).Id);
        }

        var first = await Schedules.ListAsync(page: 1, perPage: 2, taskId: "scheduled-long");
        Assert.Equal(2, first.Data.Count);
        Assert.Equal(1, first.CurrentPage);
        Assert.True(first.Count >= 3);
        Assert.Equal((first.Count + 1) / 2, first.TotalPages);
        Assert.All(first.Data, s => Assert.Equal("scheduled-long", s.Task));

        var all = new List<Schedule>();
        for (var page = 1; page <= first.TotalPages; page++)
        {
            all.AddRange((await Schedules.ListAsync(page, 2, "scheduled-long")).Data);
        }

        var ours = all.Where(s => ids.Contains(s.Id)).Select(s => s.Id).ToList();
        Assert.Equal(Enumerable.Reverse(ids), ours);
        Assert.Equal(all.Count, all.Select(s => s.Id).Distinct().Count());
        foreach (var id in ids)
        {
            await Schedules.DeleteAsync(id);
        }
    }

    [Fact]
    public async Task Backfill_TriggersEachPastOccurrenceOnce_AndTheRunsCarryTheirScheduleAndOccurrence()
    {
        var schedule = await Schedules.CreateAsync(new CreateScheduleOptions { Task = "scheduled-probe", Cron = "0 * * * *", DeduplicationKey = Key(), ExternalId = "acct_1" });
        var pattern = CronPattern.Parse("0 * * * *");
        var to = pattern.NextAfter(DateTimeOffset.UtcNow.AddHours(-1))!.Value; // the last full hour, in the past
        var from = to.AddHours(-3);

        var result = await Schedules.BackfillAsync(schedule.Id, from, to);
        Assert.Equal((3, 3), (result.Occurrences, result.Triggered));

        var again = await Schedules.BackfillAsync(schedule.Id, from.AddHours(-1), to);
        Assert.Equal((4, 1), (again.Occurrences, again.Triggered));
        Assert.Equal(result.RunIds, again.RunIds.Skip(1));

        var runs = new List<TaskRun>();
        foreach (var runId in again.RunIds)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            runs.Add(await fixture.Tasks.Runs.PollAsync(runId, timeout.Token));
        }

        Assert.All(runs, r => Assert.Equal(RunStatus.Completed, r.Status));
        Assert.Equal(pattern.Between(from.AddHours(-1), to, 10), runs.Select(r => r.ScheduleOccurrence!.Value));
        Assert.All(runs, r => Assert.Equal(schedule.Id, r.ScheduleId));
        var payloads = runs.Select(r => JsonSerializer.Deserialize<ScheduledPayload>(r.OutputJson!, TaskJson.Options)!).ToList();
        Assert.Equal(runs.Select(r => r.ScheduleOccurrence!.Value), payloads.Select(p => p.Timestamp));
        Assert.All(payloads, p => Assert.Equal((schedule.Id, "acct_1", "UTC", 5), (p.ScheduleId, p.ExternalId, p.Timezone, p.Upcoming.Count)));
        Assert.Equal(pattern.Upcoming(payloads[0].Timestamp), payloads[0].Upcoming);

        // Listed by schedule: the backfilled runs, and (when the test runs near the hour) the schedule's own next occurrence.
        var listed = await fixture.Tasks.Runs.ListAsync(new RunFilter { ScheduleId = schedule.Id }).ToListAsync();
        Assert.Subset(listed.Select(r => r.Id).ToHashSet(StringComparer.Ordinal), again.RunIds.ToHashSet(StringComparer.Ordinal));
        Assert.All(listed, r => Assert.Equal(schedule.Id, r.ScheduleId));
        foreach (var live in listed.Where(r => !again.RunIds.Contains(r.Id)))
        {
            Assert.True((await fixture.Tasks.Runs.RetrieveAsync(live.Id)).ScheduleOccurrence > to, $"{live.Id} is neither backfilled nor a later occurrence");
        }

        await Assert.ThrowsAsync<InvalidRequestException>(() => Schedules.BackfillAsync(schedule.Id, to, to.AddDays(1)));
        await Assert.ThrowsAsync<InvalidRequestException>(() => Schedules.BackfillAsync(schedule.Id, to, from));
        var tooMany = await Assert.ThrowsAsync<InvalidRequestException>(() => Schedules.BackfillAsync(schedule.Id, to.AddDays(-60), to));
        Assert.Contains("1,000", tooMany.Message, StringComparison.Ordinal);
        await Schedules.DeleteAsync(schedule.Id);
    }

    [Fact]
    public async Task Deactivating_CancelsTheRunTriggeredAheadOfItsTime_BeforeItStarts()
    {
        // Created 4–8 s before a minute, within the 10 s lead: the minute's occurrence is triggered at once, delayed to it.
        var second = DateTimeOffset.UtcNow.Second;
        if (second is < 52 or > 56)
        {
            await Task.Delay(TimeSpan.FromSeconds((52 - second + 60) % 60), TestContext.Current.CancellationToken);
        }

        var nextMinute = CronPattern.Parse("* * * * *").NextAfter(DateTimeOffset.UtcNow)!.Value;
        var schedule = await Schedules.CreateAsync(new CreateScheduleOptions { Task = "scheduled-probe", Cron = "* * * * *", DeduplicationKey = Key() });
        var pending = await fixture.Tasks.Runs.RetrieveAsync(schedule.LastRunId!);
        Assert.Equal((RunStatus.Delayed, nextMinute, nextMinute, schedule.Id), (pending.Status, pending.DelayedUntil, pending.ScheduleOccurrence, pending.ScheduleId));

        await Schedules.DeactivateAsync(schedule.Id);

        var canceled = await fixture.Tasks.Runs.RetrieveAsync(pending.Id);
        Assert.Equal(RunStatus.Canceled, canceled.Status);
        Assert.Null(canceled.StartedAt);
        await Schedules.DeleteAsync(schedule.Id);
    }

    [Fact]
    public async Task Timezones_AreTheSilosIanaZones_WithUtcUnlessExcluded()
    {
        var zones = await Schedules.TimezonesAsync();
        Assert.Contains("Europe/London", zones);
        Assert.Contains("America/New_York", zones);
        Assert.Contains("UTC", zones);
        Assert.Equal(zones.Order(StringComparer.Ordinal), zones);
        Assert.DoesNotContain("UTC", await Schedules.TimezonesAsync(excludeUtc: true));
    }

    private async Task<List<Schedule>> ListAllAsync()
    {
        var all = new List<Schedule>();
        for (var page = 1; ; page++)
        {
            var current = await Schedules.ListAsync(page, 1000);
            all.AddRange(current.Data);
            if (page >= current.TotalPages)
            {
                return all;
            }
        }
    }
}
