namespace OrleansTasks.Schedules;

/// <summary>One occurrence of a schedule: its nominal time, and when its run starts (the nominal time plus the schedule's place in its window).</summary>
internal sealed record Occurrence(DateTimeOffset Nominal, DateTimeOffset EffectiveAt);

/// <summary>
/// What a schedule does when it wakes: the occurrences to trigger now, oldest first; how many it skips as missed; how
/// far it has got; and its next occurrence and wake-up.
/// </summary>
/// <param name="Fire">The occurrences to trigger, oldest first.</param>
/// <param name="Skipped">How many missed occurrences the policy skips (older than the state cursor's floor are not counted).</param>
/// <param name="Missed">How many occurrences were found past their time by more than the missed threshold.</param>
/// <param name="Cursor">The newest nominal time handled once these are triggered.</param>
/// <param name="Next">The first occurrence after the cursor; null when the pattern has none.</param>
/// <param name="WakeAt">When to wake for <paramref name="Next"/>: its start less the lead.</param>
internal sealed record FirePlan(IReadOnlyList<Occurrence> Fire, int Skipped, int Missed, DateTimeOffset Cursor, Occurrence? Next, DateTimeOffset? WakeAt);

/// <summary>
/// A schedule's rules about time, with no Orleans in them: its occurrences (cron pattern in its zone, shifted by its
/// window) and which of them fire when it wakes (the missed-occurrence policy, the lead). The grain feeds it the clock.
/// </summary>
internal sealed class ScheduleRule
{
    /// <summary>At most this many missed occurrences run in one catch-up; older ones are skipped.</summary>
    public const int MaxCatchUp = 1000;

    private readonly string _id;

    private ScheduleRule(string id, ScheduleSpec spec)
    {
        _id = id;
        Spec = spec;
        Pattern = CronPattern.Parse(spec.Cron, spec.Timezone);
        Window = ScheduleWindow.Parse(spec.Window);
    }

    public ScheduleSpec Spec { get; }

    public CronPattern Pattern { get; }

    public ScheduleWindow Window { get; }

    public static ScheduleRule For(ScheduleState state) => new(state.Id, state.Spec);

    public static ScheduleRule For(string id, ScheduleSpec spec) => new(id, spec);

    /// <summary>The occurrence at <paramref name="nominal"/>, with its start in the window.</summary>
    public Occurrence At(DateTimeOffset nominal) => new(nominal, Window.EffectiveAt(nominal, Pattern.NextAfter(nominal), _id));

    /// <summary>The first occurrence with a nominal time after <paramref name="after"/>.</summary>
    public Occurrence? NextAfter(DateTimeOffset after) => Pattern.NextAfter(after) is { } nominal ? At(nominal) : null;

    /// <summary>How long before an occurrence's start the schedule fires it: none when it must look at the previous run first.</summary>
    public TimeSpan LeadFor(TimeSpan lead) => Spec.Overlap == OverlapPolicy.Skip ? TimeSpan.Zero : lead;

    /// <summary>
    /// The occurrences after <paramref name="cursor"/> whose start is at most the lead away from <paramref name="now"/>.
    /// Those found more than <paramref name="missedAfter"/> past their start were missed and follow the policy: Skip runs
    /// none of them, RunLatest the newest, RunAll those within the catch-up window (the newest <see cref="MaxCatchUp"/>).
    /// The rest fire, and the cursor moves past all of them.
    /// </summary>
    public FirePlan Plan(DateTimeOffset cursor, DateTimeOffset now, TimeSpan lead, TimeSpan missedAfter)
    {
        var leadNow = LeadFor(lead);
        var horizon = now + leadNow;

        // Nothing older than the longest catch-up window can fire; a cursor left far behind starts from there.
        var floor = now - ScheduleSpec.MaxCatchUpWindow - missedAfter;
        var at = cursor < floor ? floor : cursor;
        var newCursor = cursor;
        var caughtUp = new List<Occurrence>();
        var onTime = new List<Occurrence>();
        Occurrence? latestMissed = null;
        var missed = 0;
        while (NextAfter(at) is { } occurrence && occurrence.EffectiveAt <= horizon)
        {
            at = newCursor = occurrence.Nominal;
            if (now - occurrence.EffectiveAt <= missedAfter)
            {
                onTime.Add(occurrence);
                continue;
            }

            missed++;
            latestMissed = occurrence;
            if (Spec.MissedOccurrences == MissedOccurrencePolicy.RunAll && now - occurrence.EffectiveAt <= Spec.CatchUpWindow)
            {
                caughtUp.Add(occurrence);
            }
        }

        var fire = new List<Occurrence>();
        if (Spec.MissedOccurrences == MissedOccurrencePolicy.RunAll)
        {
            fire.AddRange(caughtUp.Skip(Math.Max(0, caughtUp.Count - MaxCatchUp)));
        }
        else if (Spec.MissedOccurrences == MissedOccurrencePolicy.RunLatest && latestMissed is not null)
        {
            fire.Add(latestMissed);
        }

        var skipped = missed - fire.Count;
        fire.AddRange(onTime);
        var next = NextAfter(newCursor);
        return new FirePlan(fire, skipped, missed, newCursor, next, next is null ? null : next.EffectiveAt - leadNow);
    }
}
