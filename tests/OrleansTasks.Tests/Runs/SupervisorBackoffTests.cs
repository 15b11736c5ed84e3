using OrleansTasks.Maintenance;

namespace OrleansTasks.Tests.Runs;

/// <summary>A run whose wake-up keeps failing is tried again later and later, never in a tight loop.</summary>
public sealed class SupervisorBackoffTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(5, 16)]
    [InlineData(6, 30)]
    [InlineData(50, 30)]
    public void RetryDelay_DoublesFromOneSecondUpToThirty(int failures, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), RunSupervisorGrain.RetryDelay(failures));

    [Fact]
    public void RetryDelay_IsAlwaysLongerThanTheWakeEarlyMargin() =>
        Assert.True(RunSupervisorGrain.RetryDelay(1) >= RunSupervisorGrain.WakeEarly);
}
