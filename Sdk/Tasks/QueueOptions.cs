namespace OrleansTasks;

/// <summary>The queue a task's runs go through, and how many may execute at once across the cluster.</summary>
[GenerateSerializer, Alias("ot.QueueOptions")]
public sealed record QueueOptions
{
    /// <summary>The largest concurrency limit a queue may have: 100,000.</summary>
    public const int MaxConcurrencyLimit = 100_000;

    /// <summary>The queue name. Default: null, a queue of its own named after the task id.</summary>
    [Id(0)]
    public string? Name { get; init; }

    /// <summary>
    /// How many runs of the queue may execute at once, cluster-wide; 0 pauses the queue. Default: null, no limit.
    /// </summary>
    [Id(1)]
    public int? ConcurrencyLimit { get; init; }

    /// <summary>Checks the settings, naming <paramref name="owner"/> and the setting in the message.</summary>
    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    public void Validate(string owner)
    {
        if (Name is not null && string.IsNullOrWhiteSpace(Name))
        {
            throw new ArgumentException($"{owner}: Queue.Name is blank; leave it null to use the task id.");
        }

        if (ConcurrencyLimit is < 0 or > MaxConcurrencyLimit)
        {
            throw new ArgumentException($"{owner}: Queue.ConcurrencyLimit is {ConcurrencyLimit}; it must be between 0 and {MaxConcurrencyLimit:N0}, or null for no limit.");
        }
    }
}
