using System.Text.Json;

namespace OrleansTasks;

/// <summary>
/// What <see cref="IRunsClient.SubscribeToRunWithStreamsAsync"/> yields: a new state of the run
/// (<see cref="RunUpdated"/>) or a chunk of one of its data streams (<see cref="StreamChunkArrived"/>), as Trigger.dev's
/// <c>subscribeToRun(...).withStreams()</c> parts.
/// </summary>
public abstract record RealtimeEvent(string RunId);

/// <summary>The run changed; <see cref="Run"/> is the run after the change.</summary>
public sealed record RunUpdated(TaskRun Run) : RealtimeEvent(Run.Id);

/// <summary>A chunk of the run's data stream <see cref="Key"/>, at <see cref="Offset"/> (from 0) in it, as JSON.</summary>
public sealed record StreamChunkArrived(string RunId, string Key, long Offset, string Json) : RealtimeEvent(RunId)
{
    /// <summary>The chunk as <typeparamref name="T"/>.</summary>
    public T? Read<T>() => JsonSerializer.Deserialize<T>(Json, TaskJson.Options);
}
