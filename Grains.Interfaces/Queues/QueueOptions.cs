namespace OrleansTasks;

/// <summary>
/// A queue: its name and the limits on how its runs start. A task's <c>Queue</c> property defines its
/// queue; several tasks (and <c>AddQueue</c> on the silo builder) may name one queue to share it. A definition that
/// gives only the name refers to a queue defined elsewhere; two definitions that set limits must agree.
/// </summary>
[GenerateSerializer, Alias("ot.QueueOptions")]
public sealed record QueueOptions
{
    /// <summary>The largest concurrency limit a queue may have: 100,000.</summary>
    public const int MaxConcurrencyLimit = 100_000;

    /// <summary>The queue name. Default: null, a queue of its own named after the task id.</summary>
    [Id(0)]
    public string? Name { get; init; }

    /// <summary>
    /// How many runs of the queue may execute at once, cluster-wide; 0 pauses the queue. With concurrency keys, each
    /// key's copy of the queue has this limit. Default: null, no limit but the environment's.
    /// </summary>
    [Id(1)]
    public int? ConcurrencyLimit { get; init; }

    /// <summary>
    /// How many runs of the queue may execute at once across all its concurrency keys together: with
    /// <see cref="ConcurrencyLimit"/> 2 and this 20, each tenant runs at most 2 and all tenants together at most 20.
    /// Default: null, no cap beyond the per-key limit.
    /// </summary>
    [Id(2)]
    public int? TotalConcurrencyLimit { get; init; }

    /// <summary>At most this many runs start per period, counted per concurrency key. Default: null, no rate limit.</summary>
    [Id(3)]
    public QueueRateLimit? RateLimit { get; init; }

    /// <summary>True when the definition sets nothing but the name: it refers to a queue defined elsewhere.</summary>
    public bool IsReference => ConcurrencyLimit is null && TotalConcurrencyLimit is null && RateLimit is null;

    /// <summary>Checks the settings, naming <paramref name="owner"/> and the setting in the message.</summary>
    /// <exception cref="InvalidConfigurationException">A setting is out of range.</exception>
    public void Validate(string owner)
    {
        if (Name is not null && string.IsNullOrWhiteSpace(Name))
        {
            throw new InvalidConfigurationException($"{owner}: Queue.Name is blank; leave it null to use the task id.");
        }

        if (Name is { Length: > MaxNameLength })
        {
            throw new InvalidConfigurationException($"{owner}: Queue.Name is {Name.Length} characters; at most {MaxNameLength} are allowed.");
        }

        if (ConcurrencyLimit is < 0 or > MaxConcurrencyLimit)
        {
            throw new InvalidConfigurationException($"{owner}: Queue.ConcurrencyLimit is {ConcurrencyLimit}; it must be between 0 and {MaxConcurrencyLimit:N0}, or null for no limit.");
        }

        if (TotalConcurrencyLimit is < 0 or > MaxConcurrencyLimit)
        {
            throw new InvalidConfigurationException($"{owner}: Queue.TotalConcurrencyLimit is {TotalConcurrencyLimit}; it must be between 0 and {MaxConcurrencyLimit:N0}, or null for no cap.");
        }

        RateLimit?.Validate(owner);
    }

    /// <summary>The longest queue name: 128 characters.</summary>
    public const int MaxNameLength = 128;
}

/// <summary>At most <see cref="Limit"/> runs start in any window of <see cref="Period"/>, per concurrency key.</summary>
/// <param name="Limit">How many runs may start per period (at least 1).</param>
/// <param name="Period">The window (at least 100 ms, at most a day).</param>
[GenerateSerializer, Immutable, Alias("ot.QueueRateLimit")]
public sealed record QueueRateLimit([property: Id(0)] int Limit, [property: Id(1)] TimeSpan Period)
{
    /// <exception cref="InvalidConfigurationException">A setting is out of range.</exception>
    public void Validate(string owner)
    {
        if (Limit < 1 || Limit > QueueOptions.MaxConcurrencyLimit)
        {
            throw new InvalidConfigurationException($"{owner}: Queue.RateLimit.Limit is {Limit}; it must be between 1 and {QueueOptions.MaxConcurrencyLimit:N0}.");
        }

        if (Period < TimeSpan.FromMilliseconds(100) || Period > TimeSpan.FromDays(1))
        {
            throw new InvalidConfigurationException($"{owner}: Queue.RateLimit.Period is {Period}; it must be between 100 ms and one day.");
        }
    }
}
