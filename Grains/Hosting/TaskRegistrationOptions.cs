namespace OrleansTasks.Hosting;

/// <summary>The task types and shared queues registered on the silo builder, in registration order.</summary>
internal sealed class TaskRegistrationOptions
{
    public List<Type> TaskTypes { get; } = [];

    public List<QueueOptions> Queues { get; } = [];
}
