namespace OrleansTasks;

/// <summary>
/// How failed attempts are retried, Trigger.dev's policy: the delay before attempt n+1 is
/// <c>min(MaxDelay, MinDelay × Factor^(n−1) × r)</c>, where r is 1, or random in [1, 2) when <see cref="Randomize"/> is on.
/// </summary>
[GenerateSerializer, Alias("ot.RetryOptions")]
public sealed record RetryOptions
{
    /// <summary>Trigger.dev's defaults: 3 attempts, factor 2, 1 s to 60 s, randomized.</summary>
    public static RetryOptions Default { get; } = new();

    /// <summary>A policy that never retries: one attempt.</summary>
    public static RetryOptions None { get; } = new() { MaxAttempts = 1 };

    /// <summary>How many attempts a run may make, counting the first. Default: 3.</summary>
    [Id(0)]
    public int MaxAttempts { get; init; } = 3;

    /// <summary>How much the delay grows after each failure. Default: 2.</summary>
    [Id(1)]
    public double Factor { get; init; } = 2;

    /// <summary>The delay after the first failure. Default: 1 second.</summary>
    [Id(2)]
    public TimeSpan MinDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest delay. Default: 60 seconds.</summary>
    [Id(3)]
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Multiply each delay by a random factor in [1, 2), so that many failing runs do not retry in step. Default: true.</summary>
    [Id(4)]
    public bool Randomize { get; init; } = true;

    /// <summary>The delay before the attempt after <paramref name="failedAttempt"/>.</summary>
    /// <param name="failedAttempt">The number of the attempt that just failed, from 1.</param>
    /// <param name="random">A number in [0, 1) used when <see cref="Randomize"/> is on.</param>
    public TimeSpan GetDelay(int failedAttempt, double random)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempt, 1);
        var factor = Randomize ? 1 + Math.Clamp(random, 0, 1) : 1;
        var milliseconds = MinDelay.TotalMilliseconds * Math.Pow(Factor, failedAttempt - 1) * factor;
        return TimeSpan.FromMilliseconds(Math.Min(MaxDelay.TotalMilliseconds, milliseconds));
    }

    /// <summary>Checks the settings, naming <paramref name="owner"/> and the setting in the message.</summary>
    /// <exception cref="InvalidConfigurationException">A setting is out of range.</exception>
    public void Validate(string owner)
    {
        if (MaxAttempts < 1)
        {
            throw new InvalidConfigurationException($"{owner}: Retry.MaxAttempts is {MaxAttempts}; it must be at least 1.");
        }

        if (double.IsNaN(Factor) || Factor < 1)
        {
            throw new InvalidConfigurationException($"{owner}: Retry.Factor is {Factor}; it must be at least 1.");
        }

        if (MinDelay < TimeSpan.Zero)
        {
            throw new InvalidConfigurationException($"{owner}: Retry.MinDelay is {MinDelay}; it must not be negative.");
        }

        if (MaxDelay < MinDelay)
        {
            throw new InvalidConfigurationException($"{owner}: Retry.MaxDelay ({MaxDelay}) is shorter than Retry.MinDelay ({MinDelay}).");
        }
    }
}
