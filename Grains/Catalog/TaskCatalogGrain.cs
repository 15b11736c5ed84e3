using System.Globalization;
using System.Text.Json;
using System.Text.Json.Schema;
using Orleans.Concurrency;
using OrleansTasks.Registry;
using OrleansTasks.Validation;

namespace OrleansTasks.Catalog;

/// <summary>Reads the silo's own registry: a stateless worker, so each silo answers from the tasks it loaded.</summary>
[StatelessWorker]
internal sealed class TaskCatalogGrain(TaskRegistry registry) : Grain, ITaskCatalogGrain
{
    private static readonly JsonSchemaExporterOptions s_schemaOptions = new() { TreatNullObliviousAsNonNullable = true };

    private IReadOnlyList<TaskInfo>? _tasks;

    public Task<IReadOnlyList<TaskInfo>> ListAsync() =>
        Task.FromResult(_tasks ??= [.. registry.All.OrderBy(t => t.Id, StringComparer.Ordinal).Select(Describe)]);

    public Task<IReadOnlyList<string>> CheckPayloadAsync(string taskId, string payloadJson)
    {
        var task = registry.Resolve(taskId, taskType: null);
        object? payload;
        try
        {
            payload = JsonSerializer.Deserialize(payloadJson, task.PayloadType, TaskJson.Options);
        }
        catch (JsonException exception)
        {
            var where = exception.Path is { Length: > 1 } path ? $"{path.TrimStart('$', '.')}: " : "";
            return Task.FromResult<IReadOnlyList<string>>([$"payload: {where}{FirstSentence(exception.Message)}"]);
        }

        return Task.FromResult(PayloadValidation.Validate(task.TaskType, task.PayloadType, payload));
    }

    private static TaskInfo Describe(TaskDescriptor task)
    {
        var schema = TaskJson.Options.GetJsonSchemaAsNode(task.PayloadType, s_schemaOptions);
        return new TaskInfo
        {
            Id = task.Id,
            Description = task.Description,
            Queue = task.QueueName,
            ConcurrencyLimit = task.Queue.ConcurrencyLimit,
            MaxAttempts = task.Retry.MaxAttempts,
            Retry = RetryInWords(task.Retry),
            Machine = task.Machine,
            MaxDuration = task.MaxDuration,
            Cron = task.DeclaredSchedule?.Cron,
            CronTimezone = task.DeclaredSchedule?.Timezone,
            IsScheduled = task.PayloadType == typeof(ScheduledPayload),
            PayloadType = TypeName(task.PayloadType),
            OutputType = TypeName(task.OutputType),
            PayloadSchemaJson = schema.ToJsonString(new JsonSerializerOptions { WriteIndented = true }),
            ExamplePayloadJson = PayloadExample.ToJson(PayloadExample.From(schema)),
        };
    }

    private static string RetryInWords(RetryOptions retry) => retry.MaxAttempts <= 1
        ? "no retries"
        : string.Create(CultureInfo.InvariantCulture,
            $"{retry.MaxAttempts} attempts, ×{retry.Factor:0.##} from {retry.MinDelay.TotalSeconds:0.###} s to {retry.MaxDelay.TotalSeconds:0.###} s{(retry.Randomize ? ", randomized" : "")}");

    private static string TypeName(Type type) => Nullable.GetUnderlyingType(type) is { } inner
        ? TypeName(inner) + "?"
        : type.IsGenericType
            ? $"{type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)]}<{string.Join(", ", type.GetGenericArguments().Select(TypeName))}>"
            : type.Name;

    /// <summary>System.Text.Json's messages end with a path and position the caller already has: keep the first sentence.</summary>
    private static string FirstSentence(string message) => message.Split(". ", 2)[0].TrimEnd('.') + ".";
}
