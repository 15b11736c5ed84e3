namespace OrleansTasks.Hosting;

/// <summary>What <see cref="OrleansTasksBuilder"/> registered: tasks, shared queues, global hooks and middleware.</summary>
internal sealed class TaskRegistrationOptions
{
    public List<Type> TaskTypes { get; } = [];

    public List<QueueOptions> Queues { get; } = [];

    /// <summary>Global hook classes, in registration order.</summary>
    public List<Type> HookTypes { get; } = [];

    /// <summary>Global middleware classes, outermost first.</summary>
    public List<Type> MiddlewareTypes { get; } = [];
}
