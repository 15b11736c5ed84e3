namespace OrleansTasks;

/// <summary>
/// A task class as a trigger target, from <see cref="ITaskClient.For{TTask}"/>. Its trigger methods
/// (<see cref="TaskReferenceExtensions"/>) take the task's payload type and return handles typed by its output type; the
/// compiler works both out from <typeparamref name="TTask"/>, so a payload of the wrong type does not compile.
/// </summary>
/// <typeparam name="TTask">The task class.</typeparam>
public interface ITaskReference<out TTask>
    where TTask : ITaskDefinition
{
    /// <summary>The task class.</summary>
    Type TaskType { get; }

    internal TaskClient Client { get; }
}

/// <summary>The typed triggers of an <see cref="ITaskReference{TTask}"/>.</summary>
public static class TaskReferenceExtensions
{
    /// <summary>Triggers a run of the task.</summary>
    /// <param name="task">The task, from <see cref="ITaskClient.For{TTask}"/>.</param>
    /// <param name="payload">The payload.</param>
    /// <param name="options">Trigger options; null for the task's defaults.</param>
    /// <param name="cancellationToken">Gives up waiting for the trigger to be accepted.</param>
    /// <returns>The new run's handle, typed by the task's output.</returns>
    /// <exception cref="PayloadValidationException">The payload breaks its type's validation rules; nothing was sent.</exception>
    /// <exception cref="PayloadTooLargeException">The payload is over 3 MB of JSON; nothing was sent.</exception>
    /// <exception cref="UnknownTaskException">No silo registered the task; no run exists.</exception>
    /// <exception cref="InvalidTriggerException">An option is out of range; no run exists.</exception>
    public static async Task<RunHandle<TOutput>> TriggerAsync<TPayload, TOutput>(
        this ITaskReference<TaskDefinition<TPayload, TOutput>> task, TPayload payload, TriggerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        var handle = await task.Client.TriggerTypedAsync(task.TaskType, typeof(TPayload), payload, options, cancellationToken).ConfigureAwait(false);
        return RunHandle<TOutput>.From(handle);
    }

    /// <summary>Triggers one run of the task per payload, up to 1,000, all with the same options; every item is checked before any run is created.</summary>
    /// <exception cref="BatchTooLargeException">More than 1,000 items; nothing was sent.</exception>
    /// <exception cref="InvalidRequestException">There are no items.</exception>
    /// <exception cref="PayloadValidationException">An item's payload breaks its type's validation rules; nothing was sent.</exception>
    public static Task<BatchHandle<TOutput>> BatchTriggerAsync<TPayload, TOutput>(
        this ITaskReference<TaskDefinition<TPayload, TOutput>> task, IEnumerable<TPayload> payloads, TriggerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(payloads);
        return task.BatchTriggerAsync(payloads.Select(payload => new BatchItem<TPayload>(payload, options)), cancellationToken);
    }

    /// <summary>Triggers one run of the task per item, up to 1,000, each with its own options; every item is checked before any run is created.</summary>
    /// <exception cref="BatchTooLargeException">More than 1,000 items; nothing was sent.</exception>
    /// <exception cref="InvalidRequestException">There are no items.</exception>
    /// <exception cref="PayloadValidationException">An item's payload breaks its type's validation rules; nothing was sent.</exception>
    public static async Task<BatchHandle<TOutput>> BatchTriggerAsync<TPayload, TOutput>(
        this ITaskReference<TaskDefinition<TPayload, TOutput>> task, IEnumerable<BatchItem<TPayload>> items, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(items);
        var batch = await task.Client.BatchTriggerTypedAsync(
            task.TaskType, typeof(TPayload), items.Select(item => (item.Payload as object, item.Options)), cancellationToken).ConfigureAwait(false);
        return BatchHandle<TOutput>.From(batch);
    }
}

internal sealed class TaskReference<TTask>(TaskClient client) : ITaskReference<TTask>
    where TTask : ITaskDefinition
{
    public Type TaskType => typeof(TTask);

    TaskClient ITaskReference<TTask>.Client => client;
}
