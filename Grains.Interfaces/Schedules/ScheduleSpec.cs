namespace OrleansTasks.Schedules;

/// <summary>A schedule's settings as the client and the declarative sync send them to its grain. Engine wire type.</summary>
[GenerateSerializer, Alias("ot.ScheduleSpec")]
internal sealed record ScheduleSpec
{
    /// <summary>The longest deduplication key and external id.</summary>
    public const int MaxKeyLength = 256;

    /// <summary>The longest catch-up window.</summary>
    public static readonly TimeSpan MaxCatchUpWindow = TimeSpan.FromDays(7);

    /// <summary>The catch-up window when none is given.</summary>
    public static readonly TimeSpan DefaultCatchUpWindow = TimeSpan.FromDays(1);

    [Id(0)]
    public required ScheduleType Type { get; init; }

    [Id(1)]
    public required string TaskId { get; init; }

    [Id(2)]
    public required string Cron { get; init; }

    [Id(3)]
    public required string DeduplicationKey { get; init; }

    [Id(4)]
    public string? ExternalId { get; init; }

    /// <summary>The IANA zone; <c>UTC</c> when none was given.</summary>
    [Id(5)]
    public required string Timezone { get; init; }

    /// <summary>The window as written; <c>0m</c> for none.</summary>
    [Id(6)]
    public required string Window { get; init; }

    [Id(7)]
    public MissedOccurrencePolicy MissedOccurrences { get; init; }

    [Id(8)]
    public TimeSpan CatchUpWindow { get; init; } = DefaultCatchUpWindow;

    [Id(9)]
    public OverlapPolicy Overlap { get; init; }
}
