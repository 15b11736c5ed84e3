namespace OrleansTasks;

/// <summary>A task registered on the cluster's silos, as the dashboard and tools show it.</summary>
[GenerateSerializer, Immutable, Alias("ot.TaskInfo")]
public sealed record TaskInfo
{
    /// <summary>The task id.</summary>
    [Id(0)]
    public required string Id { get; init; }

    /// <summary>The task's description, if it has one.</summary>
    [Id(1)]
    public string? Description { get; init; }

    /// <summary>The queue its runs go through.</summary>
    [Id(2)]
    public required string Queue { get; init; }

    /// <summary>The queue's concurrency limit as defined in code (per concurrency key); null for none.</summary>
    [Id(3)]
    public int? ConcurrencyLimit { get; init; }

    /// <summary>How many attempts a run makes at most, counting the first.</summary>
    [Id(4)]
    public int MaxAttempts { get; init; }

    /// <summary>The retry policy in words, e.g. "3 attempts, ×2 from 1 s to 60 s, randomized".</summary>
    [Id(5)]
    public required string Retry { get; init; }

    /// <summary>The machine preset its runs ask for.</summary>
    [Id(6)]
    public MachinePreset Machine { get; init; }

    /// <summary>The longest one attempt may run; null for no limit.</summary>
    [Id(7)]
    public TimeSpan? MaxDuration { get; init; }

    /// <summary>The cron pattern the task declares in code; null when it declares none.</summary>
    [Id(8)]
    public string? Cron { get; init; }

    /// <summary>The IANA time zone of <see cref="Cron"/>.</summary>
    [Id(9)]
    public string? CronTimezone { get; init; }

    /// <summary>Whether it is a scheduled task (its payload is the schedule's).</summary>
    [Id(10)]
    public bool IsScheduled { get; init; }

    /// <summary>The payload type's name.</summary>
    [Id(11)]
    public required string PayloadType { get; init; }

    /// <summary>The output type's name.</summary>
    [Id(12)]
    public required string OutputType { get; init; }

    /// <summary>The payload's JSON schema (System.Text.Json's schema exporter, with the names as they go on the wire).</summary>
    [Id(13)]
    public required string PayloadSchemaJson { get; init; }

    /// <summary>An example payload made from the schema: each property with a value of its type (its default where it declares one).</summary>
    [Id(14)]
    public required string ExamplePayloadJson { get; init; }
}
