
namespace OrleansTasks.Tests.Schedules;

/// <summary>Trigger.dev's schedule <c>window</c>: parsing, and a fixed place in the window per schedule.</summary>
public sealed class ScheduleWindowTests
{
    private static readonly DateTimeOffset s_nominal = new(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("30m", 1800.0, null)]
    [InlineData("2h", 7200.0, null)]
    [InlineData("45s", 45.0, null)]
    [InlineData("24h", 86400.0, null)]
    [InlineData("50%", null, 0.5)]
    [InlineData("0%", null, 0.0)]
    public void Parse_DurationsAndShares(string text, double? seconds, double? share)
    {
        var window = ScheduleWindow.Parse(text);

        Assert.Equal(seconds, window.Duration?.TotalSeconds);
        Assert.Equal(share, window.Share);
    }

    [Theory]
    [InlineData("25h", "longer than 24 hours")]
    [InlineData("150%", "over 100%")]
    [InlineData("soon", "is not valid")]
    [InlineData("10d", "is not valid")]
    [InlineData("-5m", "is not valid")]
    public void Parse_BadWindows_AreRefusedSayingWhy(string text, string says)
    {
        var error = Assert.Throws<InvalidRequestException>(() => ScheduleWindow.Parse(text));

        Assert.Contains(says, error.Message, StringComparison.Ordinal);
        Assert.Equal("window", error.Parameter);
    }

    [Fact]
    public void EffectiveAt_IsFixedPerSchedule_InsideTheWindow_AndSpreadsSchedules()
    {
        var window = ScheduleWindow.Parse("30m");
        var next = s_nominal.AddHours(1);

        var times = Enumerable.Range(0, 1000).Select(i => window.EffectiveAt(s_nominal, next, $"sched_{i}")).ToList();

        Assert.All(times, t => Assert.InRange(t, s_nominal, s_nominal.AddMinutes(30).AddTicks(-1)));
        Assert.Equal(times, Enumerable.Range(0, 1000).Select(i => window.EffectiveAt(s_nominal, next, $"sched_{i}")));
        Assert.True(times.Distinct().Count() > 900, "a thousand schedules land at many different moments");
        Assert.True(times.Count(t => t < s_nominal.AddMinutes(15)) is > 350 and < 650, "about half in each half of the window");
    }

    [Fact]
    public void EffectiveAt_NeverReachesTheNextOccurrence_AndAShareIsOfTheInterval()
    {
        var next = s_nominal.AddMinutes(10);

        Assert.InRange(ScheduleWindow.Parse("2h").EffectiveAt(s_nominal, next, "sched_a"), s_nominal, next.AddTicks(-1));
        Assert.InRange(ScheduleWindow.Parse("50%").EffectiveAt(s_nominal, next, "sched_a"), s_nominal, s_nominal.AddMinutes(5).AddTicks(-1));
        Assert.Equal(s_nominal, ScheduleWindow.None.EffectiveAt(s_nominal, next, "sched_a"));
        Assert.Equal(s_nominal, ScheduleWindow.Parse("0%").EffectiveAt(s_nominal, next, "sched_a"));
    }
}
