using Microsoft.Extensions.Logging;

namespace OrleansTasks;

/// <summary>
/// The run an attempt belongs to, handed to <see cref="TaskDefinition{TPayload, TOutput}.RunAsync"/>: its ids,
/// the attempt number, the run's tags and a logger scoped to the run.
/// </summary>
/// <remarks>The engine provides the implementation; a test of a task's code may derive its own.</remarks>
public abstract class TaskContext
{
    /// <summary>The run id, <c>run_…</c>.</summary>
    public abstract string RunId { get; }

    /// <summary>The task id.</summary>
    public abstract string TaskId { get; }

    /// <summary>The attempt number, from 1.</summary>
    public abstract int Attempt { get; }

    /// <summary>The run's tags.</summary>
    public abstract IReadOnlyList<string> Tags { get; }

    /// <summary>The queue the run went through.</summary>
    public abstract string Queue { get; }

    /// <summary>The machine preset the run asked for.</summary>
    public abstract MachinePreset Machine { get; }

    /// <summary>When the run was triggered.</summary>
    public abstract DateTimeOffset CreatedAt { get; }

    /// <summary>A logger whose scope carries the run id, task id and attempt.</summary>
    public abstract ILogger Logger { get; }
}
