
namespace OrleansTasks.Tests.Schedules;

/// <summary>Trigger.dev's cron dialect through <see cref="CronPattern"/>: fields, L and nL, Sunday twice, zones and daylight saving.</summary>
public sealed class CronPatternTests
{
    private static DateTimeOffset Utc(int year, int month, int day, int hour = 0, int minute = 0) => new(year, month, day, hour, minute, 0, TimeSpan.Zero);

    [Fact]
    public void Daily_InLondon_FollowsTheClockAcrossSpringForwardAndFallBack()
    {
        var pattern = CronPattern.Parse("0 9 * * *", "Europe/London");

        // 29 March 2026: clocks go forward (GMT → BST); 25 October 2026: back.
        Assert.Equal([Utc(2026, 3, 28, 9), Utc(2026, 3, 29, 8), Utc(2026, 3, 30, 8)], pattern.Upcoming(Utc(2026, 3, 28, 0), 3));
        Assert.Equal([Utc(2026, 10, 24, 8), Utc(2026, 10, 25, 9), Utc(2026, 10, 26, 9)], pattern.Upcoming(Utc(2026, 10, 24, 0), 3));
    }

    [Fact]
    public void ATimeThatDoesNotExist_FiresWhenTheClockJumpsPastIt_AndATimeThatHappensTwice_FiresOnce()
    {
        var pattern = CronPattern.Parse("30 1 * * *", "Europe/London");

        // 01:30 does not exist on 29 March 2026 (01:00 GMT becomes 02:00 BST): it fires at 02:00 BST, 01:00 UTC.
        Assert.Equal(Utc(2026, 3, 29, 1, 0), pattern.NextAfter(Utc(2026, 3, 28, 12)));

        // 01:30 happens twice on 25 October 2026 (BST, then GMT): it fires once.
        var october = pattern.Between(Utc(2026, 10, 24, 12), Utc(2026, 10, 26, 12), 10);
        Assert.Equal([Utc(2026, 10, 25, 0, 30), Utc(2026, 10, 26, 1, 30)], october);
    }

    [Fact]
    public void Hourly_InNewYork_HasOneHourLessAndOneMore_OnTheDaysTheClocksChange()
    {
        var pattern = CronPattern.Parse("0 * * * *", "America/New_York");

        // 8 March 2026 is 23 hours long in New York, 1 November 2026 25 hours.
        Assert.Equal(23, pattern.Between(Utc(2026, 3, 8, 5) - TimeSpan.FromTicks(1), Utc(2026, 3, 9, 4) - TimeSpan.FromTicks(1), 100).Count);
        Assert.Equal(25, pattern.Between(Utc(2026, 11, 1, 4) - TimeSpan.FromTicks(1), Utc(2026, 11, 2, 5) - TimeSpan.FromTicks(1), 100).Count);
    }

    [Fact]
    public void L_IsTheLastDayOfTheMonth_IncludingALeapFebruary()
    {
        var pattern = CronPattern.Parse("0 0 L * *");

        Assert.Equal([Utc(2027, 2, 28), Utc(2027, 3, 31), Utc(2027, 4, 30)], pattern.Upcoming(Utc(2027, 2, 1), 3));
        Assert.Equal(Utc(2028, 2, 29), pattern.NextAfter(Utc(2028, 2, 1)));
    }

    [Fact]
    public void NL_IsTheMonthsLastSuchWeekday()
    {
        var lastFriday = CronPattern.Parse("0 18 * * 5L");

        Assert.Equal([Utc(2026, 12, 25, 18), Utc(2027, 1, 29, 18), Utc(2027, 2, 26, 18)], lastFriday.Upcoming(Utc(2026, 12, 1), 3));
    }

    [Fact]
    public void LeapDay_FiresOnlyInLeapYears()
    {
        Assert.Equal(Utc(2028, 2, 29, 12), CronPattern.Parse("0 12 29 2 *").NextAfter(Utc(2026, 3, 1)));
    }

    [Fact]
    public void ZeroAndSeven_AreBothSunday()
    {
        var after = Utc(2026, 12, 2); // a Wednesday
        Assert.Equal(Utc(2026, 12, 6), CronPattern.Parse("0 0 * * 0").NextAfter(after));
        Assert.Equal(Utc(2026, 12, 6), CronPattern.Parse("0 0 * * 7").NextAfter(after));
        Assert.Equal(Utc(2026, 12, 6), CronPattern.Parse("0 0 * * SUN").NextAfter(after));
    }

    [Fact]
    public void Upcoming_IsTheNextFive_StrictlyAfter()
    {
        var pattern = CronPattern.Parse("*/15 * * * *");

        Assert.Equal(
            [Utc(2026, 12, 3, 10, 15), Utc(2026, 12, 3, 10, 30), Utc(2026, 12, 3, 10, 45), Utc(2026, 12, 3, 11), Utc(2026, 12, 3, 11, 15)],
            pattern.Upcoming(Utc(2026, 12, 3, 10)));
    }

    [Theory]
    [InlineData("0 9 * *", "has 4 fields")]
    [InlineData("0 0 9 * * *", "has 6 fields")]
    [InlineData("61 * * * *", "minute field")]
    [InlineData("0 25 * * *", "hour field")]
    [InlineData("0 0 32 * *", "day of month field")]
    [InlineData("0 0 * 13 *", "month field")]
    [InlineData("0 0 * * 8", "day of week field")]
    [InlineData("0 0 * * MON-XYZ", "day of week field")]
    [InlineData("", "is required")]
    public void ABadExpression_IsRefusedNamingTheField(string expression, string says)
    {
        var error = Assert.Throws<InvalidRequestException>(() => CronPattern.Parse(expression));

        Assert.Contains(says, error.Message, StringComparison.Ordinal);
        Assert.Equal("cron", error.Parameter);
    }

    [Theory]
    [InlineData("Mars/Olympus_Mons")]
    [InlineData("Eastern Standard Time")]
    [InlineData("GMT+5")]
    public void AnUnknownOrNonIanaZone_IsRefusedNamingIt(string zone)
    {
        var error = Assert.Throws<InvalidRequestException>(() => CronPattern.Parse("0 9 * * *", zone));

        Assert.Contains($"'{zone}'", error.Message, StringComparison.Ordinal);
        Assert.Equal("timezone", error.Parameter);
    }

    [Fact]
    public void Zones_DefaultToUtc_AndTheListHasTheCommonOnes()
    {
        Assert.Equal(TimeZoneInfo.Utc, CronPattern.Parse("0 9 * * *").TimeZone);
        Assert.Contains("Europe/London", CronPattern.TimeZoneIds());
        Assert.Contains("America/New_York", CronPattern.TimeZoneIds());
        Assert.Contains("UTC", CronPattern.TimeZoneIds());
    }

    [Theory]
    [InlineData("* * * * *", "every minute")]
    [InlineData("*/15 * * * *", "every 15 minutes")]
    [InlineData("5 * * * *", "at minute 5 past every hour")]
    [InlineData("30 9 * * 1-5", "at 09:30, Monday through Friday")]
    [InlineData("0 0 L * *", "at 00:00, on the last day of the month")]
    [InlineData("0 18 * * 5L", "at 18:00, on the last Friday of the month")]
    [InlineData("0 9,17 * * SAT,SUN", "at 09:00, 17:00, on Saturday, Sunday")]
    [InlineData("0 12 1 1,7 *", "at 12:00, on day 1 of the month, in January, July")]
    public void Description_SaysThePatternInWords(string expression, string description)
    {
        Assert.Equal(description, CronPattern.Parse(expression).Description);
    }
}
