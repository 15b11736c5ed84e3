using Orleans.Concurrency;

namespace OrleansTasks.Maintenance;

/// <summary>
/// The cluster's one supervisor of runs that no live grain is driving: runs whose wake-up time (a retry, a delay,
/// a wait) has come, and runs whose silo died. It resumes them through their run grains. Engine grain.
/// </summary>
[Alias("ot.IRunSupervisorGrain")]
internal interface IRunSupervisorGrain : IGrainWithIntegerKey
{
    /// <summary>Activates the supervisor if it is not running, and asks it to look for work now.</summary>
    [Alias("poke"), OneWay]
    Task PokeAsync();

    /// <summary>A run suspended until <paramref name="wakeAt"/>; the supervisor wakes it then.</summary>
    [Alias("schedule"), OneWay]
    Task ScheduleAsync(string runId, DateTimeOffset wakeAt);
}
