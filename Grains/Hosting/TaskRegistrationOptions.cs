namespace OrleansTasks.Hosting;

/// <summary>The task types registered on the silo builder, in registration order.</summary>
internal sealed class TaskRegistrationOptions
{
    public List<Type> TaskTypes { get; } = [];
}
