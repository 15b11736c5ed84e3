namespace OrleansTasks;

/// <summary>
/// Triggers runs and reads them back: what a .NET service uses to talk to OrleansTasks. Register it with
/// <c>AddOrleansTasksClient()</c> on the Orleans client builder (or on a silo, for a co-hosted client).
/// </summary>
public interface ITaskClient
{
    /// <summary>Runs: retrieve, list, cancel, replay, poll, cancel or replay many at once, and read their logs.</summary>
    IRunsClient Runs { get; }

    /// <summary>Waitpoint tokens: create, complete, retrieve, list.</summary>
    IWaitpointsClient Waitpoints { get; }

    /// <summary>Queues: list, retrieve, pause, resume, override and reset the concurrency limit.</summary>
    IQueuesClient Queues { get; }

    /// <summary>Schedules: create, retrieve, list, update, activate, deactivate, delete, backfill, time zones.</summary>
    ISchedulesClient Schedules { get; }

    /// <summary>
    /// The task class <typeparamref name="TTask"/>, to trigger with its payload type checked by the compiler:
    /// <c>await tasks.For&lt;SendWelcomeEmail&gt;().TriggerAsync(new WelcomeEmail(address))</c> compiles only with a
    /// <c>WelcomeEmail</c>, and returns a <see cref="RunHandle{TOutput}"/> that reads the output typed.
    /// </summary>
    ITaskReference<TTask> For<TTask>()
        where TTask : ITaskDefinition;

    /// <summary>The tasks the cluster's silos registered, ordered by id: their options, payload schema and an example payload.</summary>
    Task<IReadOnlyList<TaskInfo>> ListTasksAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// What is wrong with <paramref name="payloadJson"/> as a payload of the task <paramref name="taskId"/>: not JSON, not
    /// of the payload type's shape, or breaking its validation rules (each problem one message). Empty when a run would
    /// accept it. Nothing is triggered.
    /// </summary>
    /// <exception cref="UnknownTaskException">No silo registered the task.</exception>
    Task<IReadOnlyList<string>> CheckPayloadAsync(string taskId, string payloadJson, CancellationToken cancellationToken = default);

    /// <summary>Triggers a run of the task with id <paramref name="taskId"/>, with a payload given as JSON text.</summary>
    /// <exception cref="PayloadTooLargeException">The payload is over 3 MB; nothing was sent.</exception>
    /// <exception cref="UnknownTaskException">No silo registered the task; no run exists.</exception>
    /// <exception cref="InvalidTriggerException">The payload is not JSON, or an option is out of range; no run exists.</exception>
    Task<RunHandle> TriggerAsync(string taskId, string payloadJson, TriggerOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Triggers one run of the task with id <paramref name="taskId"/> per item, up to 1,000; every item is checked before any run is created.</summary>
    /// <exception cref="BatchTooLargeException">More than 1,000 items; nothing was sent.</exception>
    /// <exception cref="UnknownTaskException">No silo registered the task; no run exists.</exception>
    Task<BatchHandle> BatchTriggerAsync(string taskId, IEnumerable<JsonBatchItem> items, CancellationToken cancellationToken = default);
}

/// <summary>One item of a typed batch trigger (<c>tasks.For&lt;TTask&gt;().BatchTriggerAsync(items)</c>).</summary>
/// <param name="Payload">The payload.</param>
/// <param name="Options">Options for this item's run.</param>
/// <typeparam name="TPayload">The task's payload type.</typeparam>
public sealed record BatchItem<TPayload>(TPayload Payload, TriggerOptions? Options = null);

/// <summary>One item of a batch trigger by task id.</summary>
/// <param name="PayloadJson">The payload as JSON text.</param>
/// <param name="Options">Options for this item's run.</param>
public sealed record JsonBatchItem(string PayloadJson, TriggerOptions? Options = null);
