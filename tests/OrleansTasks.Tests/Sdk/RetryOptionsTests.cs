namespace OrleansTasks.Tests.Sdk;

public sealed class RetryOptionsTests
{
    [Fact]
    public void Default_IsTriggerDevs()
    {
        var options = RetryOptions.Default;

        Assert.Equal(3, options.MaxAttempts);
        Assert.Equal(2, options.Factor);
        Assert.Equal(TimeSpan.FromSeconds(1), options.MinDelay);
        Assert.Equal(TimeSpan.FromSeconds(60), options.MaxDelay);
        Assert.True(options.Randomize);
    }

    [Theory]
    [InlineData(1, 1000)]
    [InlineData(2, 2000)]
    [InlineData(3, 4000)]
    [InlineData(6, 32000)]
    [InlineData(7, 60000)]
    [InlineData(20, 60000)]
    public void GetDelay_NotRandomized_IsMinTimesFactorToTheAttemptCappedAtMax(int failedAttempt, double expectedMilliseconds)
    {
        var options = RetryOptions.Default with { Randomize = false };

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMilliseconds), options.GetDelay(failedAttempt, random: 0.9));
    }

    [Theory]
    [InlineData(0.0, 1000)]
    [InlineData(0.5, 1500)]
    [InlineData(0.999, 1999)]
    public void GetDelay_Randomized_MultipliesByOnePlusRandom(double random, double expectedMilliseconds)
    {
        Assert.Equal(expectedMilliseconds, RetryOptions.Default.GetDelay(1, random).TotalMilliseconds, precision: 6);
    }

    [Fact]
    public void GetDelay_Randomized_NeverExceedsMaxDelay()
    {
        Assert.Equal(TimeSpan.FromSeconds(60), RetryOptions.Default.GetDelay(6, random: 0.99));
    }

    [Theory]
    [InlineData(0, 2, 1, 60, "Retry.MaxAttempts")]
    [InlineData(3, 0.5, 1, 60, "Retry.Factor")]
    [InlineData(3, 2, -1, 60, "Retry.MinDelay")]
    [InlineData(3, 2, 10, 5, "Retry.MaxDelay")]
    public void Validate_OutOfRange_NamesTheSetting(int maxAttempts, double factor, int minSeconds, int maxSeconds, string setting)
    {
        var options = new RetryOptions { MaxAttempts = maxAttempts, Factor = factor, MinDelay = TimeSpan.FromSeconds(minSeconds), MaxDelay = TimeSpan.FromSeconds(maxSeconds) };

        var error = Assert.Throws<InvalidConfigurationException>(() => options.Validate("Task 'x'"));

        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
        Assert.Contains("Task 'x'", error.Message, StringComparison.Ordinal);
    }
}
