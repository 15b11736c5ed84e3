namespace OrleansTasks;

/// <summary>
/// A task as the engine sees it: its id and options. Implemented by <see cref="TaskDefinition{TPayload, TOutput}"/>;
/// derive from that class rather than implementing this interface.
/// </summary>
public interface ITaskDefinition
{
    /// <summary>The task id: unique across the cluster, stable across deployments.</summary>
    string Id { get; }

    /// <summary>A description for the dashboard; optional.</summary>
    string? Description { get; }

    /// <summary>How failed attempts are retried; null for the silo's default.</summary>
    RetryOptions? RetryPolicy { get; }

    /// <summary>The queue the task's runs go through, and its concurrency limit.</summary>
    QueueOptions Queue { get; }

    /// <summary>
    /// The longest one attempt may run before it is cancelled and the run ends <c>TIMED_OUT</c>; null for the silo's
    /// default, <see cref="Timeout.InfiniteTimeSpan"/> for no limit.
    /// </summary>
    TimeSpan? MaxDuration { get; }

    /// <summary>The machine preset the task's runs ask for; null for the silo's default.</summary>
    MachinePreset? Machine { get; }

    /// <summary>The type the payload is deserialized into.</summary>
    Type PayloadType { get; }

    /// <summary>The type of the output.</summary>
    Type OutputType { get; }
}
