namespace OrleansTasks;

/// <summary>A queue's settings and state at a moment.</summary>
[GenerateSerializer, Immutable, Alias("ot.QueueInfo")]
public sealed record QueueInfo
{
    /// <summary>The queue name.</summary>
    [Id(0)]
    public required string Name { get; init; }

    /// <summary>The concurrency limit in force (per concurrency key); null for none but the environment's.</summary>
    [Id(1)]
    public int? ConcurrencyLimit { get; init; }

    /// <summary>The limit the queue is defined with.</summary>
    [Id(2)]
    public int? BaseConcurrencyLimit { get; init; }

    /// <summary>The limit set by <c>OverrideConcurrencyLimitAsync</c>, if one is in force.</summary>
    [Id(3)]
    public int? OverriddenConcurrencyLimit { get; init; }

    /// <summary>When the limit was overridden.</summary>
    [Id(4)]
    public DateTimeOffset? OverriddenAt { get; init; }

    /// <summary>The cap across all concurrency keys together; null for none.</summary>
    [Id(5)]
    public int? TotalConcurrencyLimit { get; init; }

    /// <summary>The rate limit, per concurrency key; null for none.</summary>
    [Id(6)]
    public QueueRateLimit? RateLimit { get; init; }

    /// <summary>Runs holding a slot.</summary>
    [Id(7)]
    public int Running { get; init; }

    /// <summary>Runs waiting for one.</summary>
    [Id(8)]
    public int Queued { get; init; }

    /// <summary>True while the queue grants no slots.</summary>
    [Id(9)]
    public bool Paused { get; init; }

    /// <summary>How many concurrency keys have runs queued or running.</summary>
    [Id(10)]
    public int ActiveKeys { get; init; }

    /// <summary>The most runs that held a slot at once under any one concurrency key since the queue was activated.</summary>
    [Id(11)]
    public int PeakRunningPerKey { get; init; }

    /// <summary>The most runs that held a slot at once across the queue since it was activated.</summary>
    [Id(12)]
    public int PeakRunning { get; init; }
}
