namespace OrleansTasks.Registry;

/// <summary>A registered task as the engine uses it: its type, its id and its validated options.</summary>
internal sealed record TaskDescriptor(
    string Id,
    Type TaskType,
    Type PayloadType,
    Type OutputType,
    RetryOptions Retry,
    string QueueName,
    QueueOptions Queue,
    TimeSpan? MaxDuration,
    MachinePreset Machine,
    string? Description,
    TaskInvoker Invoker,
    Microsoft.Extensions.DependencyInjection.ObjectFactory Factory,
    Lifecycle.HookSet Hooks = Lifecycle.HookSet.None)
{
    /// <summary>The schedule the task declares in code (<c>ScheduledTask.Cron</c>), checked; null for none.</summary>
    public Schedules.ScheduleSpec? DeclaredSchedule { get; init; }
}
