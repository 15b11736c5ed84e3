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

    /// <summary>Triggers a run of the task class <typeparamref name="TTask"/>.</summary>
    /// <param name="payload">The payload: an instance of the task's payload type (or null).</param>
    /// <param name="options">Trigger options; null for the task's defaults.</param>
    /// <param name="cancellationToken">Gives up waiting for the trigger to be accepted.</param>
    /// <returns>The new run's handle.</returns>
    /// <exception cref="InvalidRequestException">The payload is not of the task's payload type.</exception>
    /// <exception cref="PayloadValidationException">The payload breaks its type's validation rules; nothing was sent.</exception>
    /// <exception cref="PayloadTooLargeException">The payload is over 3 MB of JSON; nothing was sent.</exception>
    /// <exception cref="UnknownTaskException">No silo registered the task; no run exists.</exception>
    /// <exception cref="InvalidTriggerException">An option is out of range; no run exists.</exception>
    Task<RunHandle> TriggerAsync<TTask>(object? payload, TriggerOptions? options = null, CancellationToken cancellationToken = default)
        where TTask : ITaskDefinition;

    /// <summary>Triggers a run of the task with id <paramref name="taskId"/>, with a payload given as JSON text.</summary>
    /// <exception cref="PayloadTooLargeException">The payload is over 3 MB; nothing was sent.</exception>
    /// <exception cref="UnknownTaskException">No silo registered the task; no run exists.</exception>
    /// <exception cref="InvalidTriggerException">The payload is not JSON, or an option is out of range; no run exists.</exception>
    Task<RunHandle> TriggerAsync(string taskId, string payloadJson, TriggerOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Triggers one run of <typeparamref name="TTask"/> per item, up to 1,000; every item is checked before any run is created.</summary>
    /// <exception cref="BatchTooLargeException">More than 1,000 items; nothing was sent.</exception>
    /// <exception cref="InvalidRequestException">An item's payload is not of the task's payload type, or there are no items.</exception>
    /// <exception cref="PayloadValidationException">An item's payload breaks its type's validation rules; nothing was sent.</exception>
    Task<BatchHandle> BatchTriggerAsync<TTask>(IEnumerable<BatchItem> items, CancellationToken cancellationToken = default)
        where TTask : ITaskDefinition;

    /// <summary>Triggers one run of the task with id <paramref name="taskId"/> per item, up to 1,000; every item is checked before any run is created.</summary>
    /// <exception cref="BatchTooLargeException">More than 1,000 items; nothing was sent.</exception>
    /// <exception cref="UnknownTaskException">No silo registered the task; no run exists.</exception>
    Task<BatchHandle> BatchTriggerAsync(string taskId, IEnumerable<JsonBatchItem> items, CancellationToken cancellationToken = default);
}

/// <summary>One item of a batch trigger typed by task class.</summary>
/// <param name="Payload">The payload: an instance of the task's payload type (or null).</param>
/// <param name="Options">Options for this item's run.</param>
public sealed record BatchItem(object? Payload, TriggerOptions? Options = null);

/// <summary>One item of a batch trigger by task id.</summary>
/// <param name="PayloadJson">The payload as JSON text.</param>
/// <param name="Options">Options for this item's run.</param>
public sealed record JsonBatchItem(string PayloadJson, TriggerOptions? Options = null);
