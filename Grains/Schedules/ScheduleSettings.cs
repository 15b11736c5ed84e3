namespace OrleansTasks.Hosting;

/// <summary>How schedules fire (<c>OrleansTasks:Schedules</c>).</summary>
public sealed class ScheduleSettings
{
    /// <summary>
    /// How long before an occurrence its schedule wakes and triggers the run, which then waits, delayed, for its moment:
    /// so a thousand schedules on one minute start their runs at that minute rather than seconds after it. A schedule
    /// whose overlap policy is <see cref="OverlapPolicy.Skip"/> fires at the moment instead (it must look at the previous
    /// run then). Default: 10 seconds; 0 to 1 minute.
    /// </summary>
    public TimeSpan Lead { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// An occurrence found this long after its time was missed (the cluster was down, or the silo holding the schedule
    /// died at the moment) and follows the schedule's <see cref="MissedOccurrencePolicy"/>; one found sooner runs.
    /// Default: 30 seconds; 1 second to 1 hour.
    /// </summary>
    public TimeSpan MissedAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often the cluster looks for active schedules whose reminder did not wake them (a tick lost with a silo) and
    /// wakes them. Default: 15 seconds; 1 second to 10 minutes.
    /// </summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(15);

    internal IEnumerable<string> Problems()
    {
        if (Lead < TimeSpan.Zero || Lead > TimeSpan.FromMinutes(1))
        {
            yield return $"OrleansTasks:Schedules:Lead is {Lead}; it must be between 0 and 1 minute.";
        }

        if (MissedAfter < TimeSpan.FromSeconds(1) || MissedAfter > TimeSpan.FromHours(1))
        {
            yield return $"OrleansTasks:Schedules:MissedAfter is {MissedAfter}; it must be between 1 second and 1 hour.";
        }

        if (SweepInterval < TimeSpan.FromSeconds(1) || SweepInterval > TimeSpan.FromMinutes(10))
        {
            yield return $"OrleansTasks:Schedules:SweepInterval is {SweepInterval}; it must be between 1 second and 10 minutes.";
        }
    }
}
