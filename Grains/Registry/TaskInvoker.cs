using System.Text.Json;

namespace OrleansTasks.Registry;

/// <summary>
/// Calls a task's strongly typed <c>RunAsync</c> from JSON in and JSON out, so the executor never needs reflection
/// on the hot path. One instance per task type, made once at start-up.
/// </summary>
internal abstract class TaskInvoker
{
    public static TaskInvoker Create(Type payloadType, Type outputType) =>
        (TaskInvoker)Activator.CreateInstance(typeof(TaskInvoker<,>).MakeGenericType(payloadType, outputType))!;

    /// <summary>Deserializes the payload; throws <see cref="JsonException"/> or <see cref="NotSupportedException"/> when it does not fit.</summary>
    public abstract object? DeserializePayload(string payloadJson);

    /// <summary>Runs the attempt and returns the output as JSON.</summary>
    public abstract Task<object?> InvokeAsync(ITaskDefinition task, object? payload, TaskContext context, CancellationToken cancellationToken);

    public abstract string SerializeOutput(object? output);
}

internal sealed class TaskInvoker<TPayload, TOutput> : TaskInvoker
{
    public override object? DeserializePayload(string payloadJson) => JsonSerializer.Deserialize<TPayload>(payloadJson, TaskJson.Options);

    public override async Task<object?> InvokeAsync(ITaskDefinition task, object? payload, TaskContext context, CancellationToken cancellationToken) =>
        await ((TaskDefinition<TPayload, TOutput>)task).RunAsync((TPayload)payload!, context, cancellationToken).ConfigureAwait(false);

    public override string SerializeOutput(object? output) => JsonSerializer.Serialize((TOutput?)output, TaskJson.Options);
}
