using Microsoft.Extensions.Time.Testing;
using OrleansTasks.Schedules;

namespace OrleansTasks.Tests.Schedules;

/// <summary>
/// When a schedule fires what, on a fake clock: the lead, the missed-occurrence policies after downtime, the overlap
/// policy's lead, the window, and occurrences across daylight-saving changes, month ends and leap days.
/// </summary>
public sealed class ScheduleRuleTests
{
    private static readonly TimeSpan Lead = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MissedAfter = TimeSpan.FromSeconds(30);
    private const string Id = "sched_0000000000000000000000aa";

    private static ScheduleRule Rule(string cron, string? zone = null, MissedOccurrencePolicy missed = MissedOccurrencePolicy.RunLatest,
        OverlapPolicy overlap = OverlapPolicy.Allow, string? window = null, TimeSpan? catchUp = null) =>
        ScheduleRule.For(Id, ScheduleRules.Check(new ScheduleSpec
        {
            Type = ScheduleType.Imperative,
            TaskId = "scheduled-probe",
            Cron = cron,
            DeduplicationKey = "key",
            Timezone = zone ?? "",
            Window = window ?? "",
            MissedOccurrences = missed,
            Overlap = overlap,
            CatchUpWindow = catchUp ?? ScheduleSpec.DefaultCatchUpWindow,
        }));

    private static FakeTimeProvider ClockAt(string utc) => new(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture));

    private static DateTimeOffset At(string utc) => DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void AnOccurrence_FiresALeadAheadOfItsTime_AndNotBefore()
    {
        var rule = Rule("0 * * * *");
        var clock = ClockAt("2026-03-02T09:59:49Z");
        var cursor = At("2026-03-02T09:30:00Z");

        var early = rule.Plan(cursor, clock.GetUtcNow(), Lead, MissedAfter);
        Assert.Empty(early.Fire);
        Assert.Equal(At("2026-03-02T09:59:50Z"), early.WakeAt);

        clock.Advance(TimeSpan.FromSeconds(1));
        var due = rule.Plan(cursor, clock.GetUtcNow(), Lead, MissedAfter);
        var occurrence = Assert.Single(due.Fire);
        Assert.Equal(At("2026-03-02T10:00:00Z"), occurrence.Nominal);
        Assert.Equal(At("2026-03-02T10:00:00Z"), occurrence.EffectiveAt);
        Assert.Equal(At("2026-03-02T10:00:00Z"), due.Cursor);
        Assert.Equal(At("2026-03-02T11:00:00Z"), due.Next!.Nominal);
        Assert.Equal(At("2026-03-02T10:59:50Z"), due.WakeAt);
    }

    [Fact]
    public void OverlapSkip_FiresAtTheMomentItself_WithNoLead()
    {
        var rule = Rule("0 * * * *", overlap: OverlapPolicy.Skip);
        var clock = ClockAt("2026-03-02T09:59:55Z");
        var cursor = At("2026-03-02T09:30:00Z");

        var plan = rule.Plan(cursor, clock.GetUtcNow(), Lead, MissedAfter);
        Assert.Empty(plan.Fire);
        Assert.Equal(At("2026-03-02T10:00:00Z"), plan.WakeAt);

        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Single(rule.Plan(cursor, clock.GetUtcNow(), Lead, MissedAfter).Fire);
    }

    [Fact]
    public void ALittleLate_IsStillOnTime_AndRunsWhateverThePolicy()
    {
        var rule = Rule("*/5 * * * *", missed: MissedOccurrencePolicy.Skip);
        var clock = ClockAt("2026-03-02T10:00:29Z");

        var plan = rule.Plan(At("2026-03-02T09:55:00Z"), clock.GetUtcNow(), Lead, MissedAfter);

        Assert.Equal([At("2026-03-02T10:00:00Z")], plan.Fire.Select(o => o.Nominal));
        Assert.Equal(0, plan.Missed);
    }

    [Fact]
    public void AfterDowntime_Skip_RunsNoneOfTheMissed_AndGoesOnFromTheNext()
    {
        var rule = Rule("*/5 * * * *", missed: MissedOccurrencePolicy.Skip);
        var clock = ClockAt("2026-03-02T09:55:00Z");
        var cursor = clock.GetUtcNow();
        clock.Advance(TimeSpan.FromMinutes(22)); // down from 09:55 to 10:17: 10:00, 10:05, 10:10, 10:15 missed

        var plan = rule.Plan(cursor, clock.GetUtcNow(), Lead, MissedAfter);

        Assert.Empty(plan.Fire);
        Assert.Equal(4, plan.Missed);
        Assert.Equal(4, plan.Skipped);
        Assert.Equal(At("2026-03-02T10:15:00Z"), plan.Cursor);
        Assert.Equal(At("2026-03-02T10:20:00Z"), plan.Next!.Nominal);
    }

    [Fact]
    public void AfterDowntime_RunLatest_RunsOnlyTheNewestMissed_Once()
    {
        var rule = Rule("*/5 * * * *");
        var clock = ClockAt("2026-03-02T09:55:00Z");
        var cursor = clock.GetUtcNow();
        clock.Advance(TimeSpan.FromMinutes(22));

        var plan = rule.Plan(cursor, clock.GetUtcNow(), Lead, MissedAfter);

        Assert.Equal([At("2026-03-02T10:15:00Z")], plan.Fire.Select(o => o.Nominal));
        Assert.Equal(3, plan.Skipped);

        // Fired and saved: waking again at once finds nothing more.
        Assert.Empty(rule.Plan(plan.Cursor, clock.GetUtcNow(), Lead, MissedAfter).Fire);
    }

    [Fact]
    public void AfterDowntime_RunAll_RunsEveryMissedWithinTheCatchUpWindow_OldestFirst()
    {
        var rule = Rule("*/5 * * * *", missed: MissedOccurrencePolicy.RunAll, catchUp: TimeSpan.FromMinutes(12));
        var clock = ClockAt("2026-03-02T09:55:00Z");
        var cursor = clock.GetUtcNow();
        clock.Advance(TimeSpan.FromMinutes(22)); // now 10:17; the window reaches back to 10:05

        var plan = rule.Plan(cursor, clock.GetUtcNow(), Lead, MissedAfter);

        Assert.Equal([At("2026-03-02T10:05:00Z"), At("2026-03-02T10:10:00Z"), At("2026-03-02T10:15:00Z")], plan.Fire.Select(o => o.Nominal));
        Assert.Equal(1, plan.Skipped);
    }

    [Fact]
    public void AfterDowntime_MissedAndOnTime_BothFire_InOrder()
    {
        var rule = Rule("*/5 * * * *");
        var clock = ClockAt("2026-03-02T09:55:00Z");
        var cursor = clock.GetUtcNow();
        clock.Advance(TimeSpan.FromMinutes(9) + TimeSpan.FromSeconds(55)); // 10:04:55: 10:00 missed, 10:05 within the lead

        var plan = rule.Plan(cursor, clock.GetUtcNow(), Lead, MissedAfter);

        Assert.Equal([At("2026-03-02T10:00:00Z"), At("2026-03-02T10:05:00Z")], plan.Fire.Select(o => o.Nominal));
        Assert.Equal(At("2026-03-02T10:05:00Z"), plan.Fire[1].EffectiveAt);
    }

    [Fact]
    public void AVeryLongDowntime_LooksBackNoFurtherThanTheLongestCatchUpWindow()
    {
        var rule = Rule("* * * * *", missed: MissedOccurrencePolicy.RunAll, catchUp: ScheduleSpec.MaxCatchUpWindow);
        var clock = ClockAt("2026-01-01T00:00:00Z");
        var cursor = clock.GetUtcNow();
        clock.Advance(TimeSpan.FromDays(60));

        var plan = rule.Plan(cursor, clock.GetUtcNow(), Lead, MissedAfter);

        // The newest 1,000 missed, then the occurrence at this very minute, which is on time.
        Assert.Equal(ScheduleRule.MaxCatchUp + 1, plan.Fire.Count);
        Assert.Equal(clock.GetUtcNow(), plan.Fire[^1].Nominal);
        Assert.Equal(clock.GetUtcNow().AddMinutes(-ScheduleRule.MaxCatchUp), plan.Fire[0].Nominal);
        Assert.True(plan.Fire.Zip(plan.Fire.Skip(1)).All(p => p.First.Nominal < p.Second.Nominal));
    }

    [Fact]
    public void TheWindow_DelaysEachRunByTheSchedulesOwnFixedOffset_AndTheScheduleWakesForThatMoment()
    {
        var rule = Rule("0 * * * *", window: "30m");
        var first = rule.NextAfter(At("2026-03-02T09:00:00Z"))!;
        var second = rule.NextAfter(first.Nominal)!;

        var offset = first.EffectiveAt - first.Nominal;
        Assert.InRange(offset, TimeSpan.Zero, TimeSpan.FromMinutes(30));
        Assert.Equal(offset, second.EffectiveAt - second.Nominal);

        var plan = rule.Plan(At("2026-03-02T09:00:00Z"), first.EffectiveAt - Lead, Lead, MissedAfter);
        Assert.Equal(first, Assert.Single(plan.Fire));
    }

    [Fact]
    public void Daily_InLondon_KeepsItsLocalTime_FiresAtTheJumpInSpring_AndOnceWhenTheHourRepeatsInAutumn()
    {
        var rule = Rule("30 1 * * *", "Europe/London");

        // 29 March 2026: the clocks go from 01:00 GMT to 02:00 BST, so 01:30 does not exist and fires at the jump.
        Assert.Equal(
            [At("2026-03-28T01:30:00Z"), At("2026-03-29T01:00:00Z"), At("2026-03-30T00:30:00Z")],
            FireDaily(rule, ClockAt("2026-03-27T12:00:00Z"), days: 3));

        // 25 October 2026: the clocks go from 02:00 BST back to 01:00 GMT, so 01:30 happens twice and fires once.
        Assert.Equal(
            [At("2026-10-24T00:30:00Z"), At("2026-10-25T00:30:00Z"), At("2026-10-26T01:30:00Z")],
            FireDaily(rule, ClockAt("2026-10-23T12:00:00Z"), days: 3));
    }

    /// <summary>Wakes the schedule once a day on the fake clock and collects what fires.</summary>
    private static List<DateTimeOffset> FireDaily(ScheduleRule rule, FakeTimeProvider clock, int days)
    {
        var fired = new List<DateTimeOffset>();
        var cursor = clock.GetUtcNow();
        for (var day = 0; day < days; day++)
        {
            clock.Advance(TimeSpan.FromDays(1));
            var plan = rule.Plan(cursor, clock.GetUtcNow(), Lead, TimeSpan.FromDays(1));
            cursor = plan.Cursor;
            fired.AddRange(plan.Fire.Select(o => o.Nominal));
        }

        return fired;
    }

    [Fact]
    public void InNewYork_TheSkippedHourFiresOnceAtTheJump_AndTheRepeatedHourFiresOnce()
    {
        var rule = Rule("30 2 * * *", "America/New_York");
        Assert.Equal(At("2026-03-08T07:00:00Z"), rule.NextAfter(At("2026-03-07T12:00:00Z"))!.Nominal); // 02:30 does not exist: 03:00 EDT

        var hourly = Rule("30 1 * * *", "America/New_York");
        var fallBack = hourly.Plan(At("2026-11-01T04:00:00Z"), At("2026-11-01T07:00:00Z"), Lead, TimeSpan.FromHours(1));
        Assert.Equal([At("2026-11-01T05:30:00Z")], fallBack.Fire.Select(o => o.Nominal)); // 01:30 EDT, not again at 01:30 EST
    }

    [Fact]
    public void TheLastDay_TheLastFriday_AndLeapDays_FireOnTheRightDates()
    {
        var lastDay = Rule("0 12 L * *");
        Assert.Equal(At("2028-02-29T12:00:00Z"), lastDay.NextAfter(At("2028-02-01T00:00:00Z"))!.Nominal);
        Assert.Equal(At("2027-02-28T12:00:00Z"), lastDay.NextAfter(At("2027-02-01T00:00:00Z"))!.Nominal);

        var lastFriday = Rule("0 9 * * 5L");
        Assert.Equal(At("2026-12-25T09:00:00Z"), lastFriday.NextAfter(At("2026-12-01T00:00:00Z"))!.Nominal);

        var leapDay = Rule("0 0 29 2 *");
        Assert.Equal(At("2028-02-29T00:00:00Z"), leapDay.NextAfter(At("2026-03-01T00:00:00Z"))!.Nominal);
    }
}
