using System.Text.Json;

namespace OrleansTasks.Registry;

/// <summary>
/// Calls a task's strongly typed <c>RunAsync</c> and task-only hooks from untyped values, JSON in and JSON out, so the
/// executor never needs reflection on the hot path. One instance per task type, made once at start-up.
/// </summary>
internal abstract class TaskInvoker
{
    public static TaskInvoker Create(Type payloadType, Type outputType) =>
        (TaskInvoker)Activator.CreateInstance(typeof(TaskInvoker<,>).MakeGenericType(payloadType, outputType))!;

    /// <summary>Deserializes the payload; throws <see cref="JsonException"/> or <see cref="NotSupportedException"/> when it does not fit.</summary>
    public abstract object? DeserializePayload(string payloadJson);

    /// <summary>Runs the attempt's code.</summary>
    public abstract Task<object?> InvokeAsync(ITaskDefinition task, object? payload, TaskContext context, CancellationToken cancellationToken);

    public abstract string SerializeOutput(object? output);

    public abstract Task MiddlewareAsync(ITaskDefinition task, object? payload, TaskContext context, Func<Task> next, CancellationToken cancellationToken);

    public abstract Task<object?> InitAsync(ITaskDefinition task, object? payload, TaskContext context, CancellationToken cancellationToken);

    public abstract Task CleanupAsync(ITaskDefinition task, object? payload, TaskContext context, CancellationToken cancellationToken);

    /// <summary>The task's other hooks, presented the way global hooks are.</summary>
    public abstract TaskLifecycleHooks Hooks(ITaskDefinition task);
}

internal sealed class TaskInvoker<TPayload, TOutput> : TaskInvoker
{
    public override object? DeserializePayload(string payloadJson) => JsonSerializer.Deserialize<TPayload>(payloadJson, TaskJson.Options);

    public override async Task<object?> InvokeAsync(ITaskDefinition task, object? payload, TaskContext context, CancellationToken cancellationToken) =>
        await Typed(task).RunAsync((TPayload)payload!, context, cancellationToken).ConfigureAwait(false);

    public override string SerializeOutput(object? output) => JsonSerializer.Serialize((TOutput?)output, TaskJson.Options);

    public override Task MiddlewareAsync(ITaskDefinition task, object? payload, TaskContext context, Func<Task> next, CancellationToken cancellationToken) =>
        Typed(task).MiddlewareAsync((TPayload)payload!, context, next, cancellationToken);

    public override Task<object?> InitAsync(ITaskDefinition task, object? payload, TaskContext context, CancellationToken cancellationToken) =>
        Typed(task).InitAsync((TPayload)payload!, context, cancellationToken);

    public override Task CleanupAsync(ITaskDefinition task, object? payload, TaskContext context, CancellationToken cancellationToken) =>
        Typed(task).CleanupAsync((TPayload)payload!, context, cancellationToken);

    public override TaskLifecycleHooks Hooks(ITaskDefinition task) => Typed(task).AsLifecycleHooks();

    private static TaskDefinition<TPayload, TOutput> Typed(ITaskDefinition task) => (TaskDefinition<TPayload, TOutput>)task;
}
