namespace OrleansTasks;

/// <summary>Where a schedule comes from: a task's code, or a call to <c>Schedules.CreateAsync</c>.</summary>
[GenerateSerializer, Alias("ot.ScheduleType")]
public enum ScheduleType
{
    /// <summary>Imperative: made through the client (or the API); edited and deleted the same way.</summary>
    Imperative = 0,

    /// <summary>Declarative: a scheduled task's <c>Cron</c>, created, updated and removed to match the code at silo start-up; read-only to the client.</summary>
    Declarative = 1,
}

/// <summary>
/// What happens to the occurrences a schedule missed while nothing could fire them (the cluster was down, or the silo
/// holding the schedule died at the moment). An occurrence is missed when it is found more than
/// <c>OrleansTasks:Schedules:MissedAfter</c> (30 s) after its time. Occurrences found in time always run.
/// </summary>
[GenerateSerializer, Alias("ot.MissedOccurrencePolicy")]
public enum MissedOccurrencePolicy
{
    /// <summary>The default: the newest missed occurrence runs once; older ones are skipped.</summary>
    RunLatest = 0,

    /// <summary>Missed occurrences are skipped; the schedule goes on from the next one.</summary>
    Skip = 1,

    /// <summary>Every missed occurrence within the schedule's <c>CatchUpWindow</c> runs, oldest first; older ones are skipped.</summary>
    RunAll = 2,
}

/// <summary>What an occurrence does while the schedule's previous run is still unfinished.</summary>
[GenerateSerializer, Alias("ot.OverlapPolicy")]
public enum OverlapPolicy
{
    /// <summary>The default, as Trigger.dev: every occurrence triggers a run, whether or not the previous one finished.</summary>
    Allow = 0,

    /// <summary>The occurrence is skipped while the previous run of the schedule is unfinished (it fires at its time, with no lead).</summary>
    Skip = 1,
}

/// <summary>How a schedule makes its occurrences: always a cron expression, as Trigger.dev's <c>generator</c>.</summary>
/// <param name="Type">Always <c>CRON</c>.</param>
/// <param name="Expression">The five-field cron expression.</param>
/// <param name="Description">The expression in words, such as "at 09:30, Monday through Friday".</param>
[GenerateSerializer, Alias("ot.ScheduleGenerator")]
public sealed record ScheduleGenerator(
    [property: Id(0)] string Type,
    [property: Id(1)] string Expression,
    [property: Id(2)] string Description);

/// <summary>A schedule, as <c>Schedules.RetrieveAsync</c> returns it (Trigger.dev's schedule object, plus this engine's policies).</summary>
[GenerateSerializer, Alias("ot.Schedule")]
public sealed record Schedule
{
    /// <summary>The schedule id, <c>sched_…</c>: made from the deduplication key, so the same key always names the same schedule.</summary>
    [Id(0)]
    public required string Id { get; init; }

    /// <summary>Declarative (from a task's code) or imperative (from the client).</summary>
    [Id(1)]
    public required ScheduleType Type { get; init; }

    /// <summary>The id of the task each occurrence triggers.</summary>
    [Id(2)]
    public required string Task { get; init; }

    /// <summary>Whether occurrences fire. A deactivated schedule keeps its settings and fires nothing until activated.</summary>
    [Id(3)]
    public required bool Active { get; init; }

    /// <summary>The key the schedule was created with; creating again with it updates this schedule.</summary>
    [Id(4)]
    public required string DeduplicationKey { get; init; }

    /// <summary>What the creator tied the schedule to (a user id, say), passed to each run in its payload.</summary>
    [Id(5)]
    public string? ExternalId { get; init; }

    /// <summary>The cron expression and its description.</summary>
    [Id(6)]
    public required ScheduleGenerator Generator { get; init; }

    /// <summary>The IANA time zone occurrences are computed in (<c>UTC</c> by default).</summary>
    [Id(7)]
    public required string Timezone { get; init; }

    /// <summary>The spread window (<c>30m</c>, <c>50%</c>; <c>0m</c> for none): each run starts at a fixed point of it after the nominal time.</summary>
    [Id(8)]
    public required string Window { get; init; }

    /// <summary>The next occurrence's nominal time; null when inactive or when the expression has no further occurrence.</summary>
    [Id(9)]
    public DateTimeOffset? NextRun { get; init; }

    /// <summary>When the next occurrence's run starts: <see cref="NextRun"/> plus this schedule's offset in its window.</summary>
    [Id(10)]
    public DateTimeOffset? NextRunEffectiveAt { get; init; }

    /// <summary>The next five occurrences' nominal times (empty when inactive).</summary>
    [Id(11)]
    public IReadOnlyList<DateTimeOffset> Upcoming { get; init; } = [];

    /// <summary>What happens to occurrences missed while the cluster could not fire them.</summary>
    [Id(12)]
    public MissedOccurrencePolicy MissedOccurrences { get; init; }

    /// <summary>How far back <see cref="MissedOccurrencePolicy.RunAll"/> catches up.</summary>
    [Id(13)]
    public TimeSpan CatchUpWindow { get; init; }

    /// <summary>What an occurrence does while the previous run is unfinished.</summary>
    [Id(14)]
    public OverlapPolicy Overlap { get; init; }

    /// <summary>The nominal time of the last occurrence that triggered a run; null before the first.</summary>
    [Id(15)]
    public DateTimeOffset? LastTimestamp { get; init; }

    /// <summary>The run the last occurrence triggered.</summary>
    [Id(16)]
    public string? LastRunId { get; init; }

    /// <summary>When the schedule was created.</summary>
    [Id(17)]
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the schedule's settings last changed.</summary>
    [Id(18)]
    public required DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>One page of <c>Schedules.ListAsync</c>, newest first, as Trigger.dev's.</summary>
/// <param name="Data">The schedules on this page.</param>
/// <param name="CurrentPage">This page's number, from 1.</param>
/// <param name="TotalPages">How many pages there are at this page size.</param>
/// <param name="Count">How many schedules there are.</param>
[GenerateSerializer, Alias("ot.SchedulePage")]
public sealed record SchedulePage(
    [property: Id(0)] IReadOnlyList<Schedule> Data,
    [property: Id(1)] int CurrentPage,
    [property: Id(2)] int TotalPages,
    [property: Id(3)] int Count)
{
    /// <summary>The largest page: 1,000 schedules.</summary>
    public const int MaxPerPage = 1000;

    /// <summary>Checks a page request, for the client and the silo alike.</summary>
    /// <exception cref="InvalidRequestException">The page is below 1, or the page size is not 1 to <see cref="MaxPerPage"/>.</exception>
    internal static void Check(int page, int perPage)
    {
        if (page < 1)
        {
            throw new InvalidRequestException($"The page is {page}; pages are numbered from 1.", "page");
        }

        if (perPage is < 1 or > MaxPerPage)
        {
            throw new InvalidRequestException($"The page size is {perPage}; it must be between 1 and {MaxPerPage:N0}.", "perPage");
        }
    }
}

/// <summary>What a backfill did: the occurrences of the range, each with the run it triggered (or already had).</summary>
/// <param name="Occurrences">How many occurrences the range holds.</param>
/// <param name="Triggered">How many of them triggered a run now; the rest had their run already.</param>
/// <param name="RunIds">The runs of the occurrences, oldest first.</param>
[GenerateSerializer, Alias("ot.BackfillResult")]
public sealed record BackfillResult(
    [property: Id(0)] int Occurrences,
    [property: Id(1)] int Triggered,
    [property: Id(2)] IReadOnlyList<string> RunIds);
