using System.Text.Json;

namespace OrleansTasks;

/// <summary>
/// One item of a batch triggered from inside a task, naming its own task, so one batch may mix tasks (Trigger.dev's
/// <c>batch.triggerByTaskAndWait</c>).
/// </summary>
public sealed record BatchTaskItem
{
    private BatchTaskItem(string? taskId, Type? taskType, string payloadJson, TriggerOptions? options)
    {
        TaskId = taskId;
        TaskType = taskType;
        PayloadJson = payloadJson;
        Options = options;
    }

    /// <summary>The task id, when the item names the task by id.</summary>
    public string? TaskId { get; }

    /// <summary>The task class, when the item names the task by type.</summary>
    public Type? TaskType { get; }

    /// <summary>The payload as JSON.</summary>
    public string PayloadJson { get; }

    /// <summary>Options for this item's run.</summary>
    public TriggerOptions? Options { get; }

    /// <summary>An item for the task class <typeparamref name="TTask"/>.</summary>
    public static BatchTaskItem For<TTask>(object? payload, TriggerOptions? options = null)
        where TTask : ITaskDefinition =>
        new(null, typeof(TTask), Serialize(payload), options);

    /// <summary>An item for the task with id <paramref name="taskId"/>.</summary>
    public static BatchTaskItem ForId(string taskId, object? payload, TriggerOptions? options = null)
    {
        Guard.NotBlank(taskId);
        return new(taskId, null, Serialize(payload), options);
    }

    internal static BatchTaskItem Create(string? taskId, Type? taskType, string payloadJson, TriggerOptions? options) =>
        new(taskId, taskType, payloadJson, options);

    internal static string Serialize(object? payload) =>
        JsonSerializer.Serialize(payload, payload?.GetType() ?? typeof(object), TaskJson.Options);
}
