using System.Collections.Frozen;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrleansTasks.Hosting;

namespace OrleansTasks.Registry;

/// <summary>
/// The tasks this silo can execute, by id and by CLR type name. Built once at start-up: every registered task is
/// instantiated, its options validated, and two tasks with one id stop start-up with a message naming both types.
/// </summary>
internal sealed class TaskRegistry
{
    private readonly FrozenDictionary<string, TaskDescriptor> _byId;
    private readonly FrozenDictionary<string, TaskDescriptor> _byTypeName;
    private readonly FrozenDictionary<string, int?> _queueLimits;

    public TaskRegistry(IServiceProvider services, IOptions<TaskRegistrationOptions> registrations)
    {
        var byId = new Dictionary<string, TaskDescriptor>(StringComparer.Ordinal);
        using var scope = services.CreateScope();
        foreach (var type in registrations.Value.TaskTypes)
        {
            var descriptor = Describe(scope.ServiceProvider, type);
            if (byId.TryGetValue(descriptor.Id, out var existing))
            {
                throw new InvalidOperationException(
                    $"Two tasks have the id '{descriptor.Id}': {existing.TaskType.FullName} and {type.FullName}. Task ids must be unique; rename one of them.");
            }

            byId.Add(descriptor.Id, descriptor);
        }

        foreach (var group in byId.Values.GroupBy(d => d.QueueName).Where(g => g.Select(d => d.ConcurrencyLimit).Distinct().Count() > 1))
        {
            throw new InvalidOperationException(
                $"Tasks share the queue '{group.Key}' but declare different concurrency limits: "
                + string.Join(", ", group.Select(d => $"'{d.Id}' {d.ConcurrencyLimit?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}"))
                + ". Give them one limit.");
        }

        _byId = byId.ToFrozenDictionary(StringComparer.Ordinal);
        _byTypeName = byId.Values.ToFrozenDictionary(d => d.TaskType.FullName!, StringComparer.Ordinal);
        _queueLimits = byId.Values
            .GroupBy(d => d.QueueName, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.First().ConcurrencyLimit, StringComparer.Ordinal);
    }

    public IEnumerable<TaskDescriptor> All => _byId.Values;

    public bool TryGet(string taskId, out TaskDescriptor descriptor) => _byId.TryGetValue(taskId, out descriptor!);

    /// <summary>Finds the task a trigger names, by id or by type name.</summary>
    /// <exception cref="UnknownTaskException">No such task is registered.</exception>
    public TaskDescriptor Resolve(string? taskId, string? taskType)
    {
        if (taskId is not null)
        {
            return _byId.TryGetValue(taskId, out var byId) ? byId : throw new UnknownTaskException(taskId);
        }

        if (taskType is not null)
        {
            return _byTypeName.TryGetValue(taskType, out var byType) ? byType : throw new UnknownTaskException(taskType);
        }

        throw new UnknownTaskException("(no task id given)");
    }

    /// <summary>The concurrency limit of a queue, as the tasks that use it declare it; null for none.</summary>
    public int? GetQueueLimit(string queueName) => _queueLimits.GetValueOrDefault(queueName);

    private static TaskDescriptor Describe(IServiceProvider services, Type type)
    {
        var task = (ITaskDefinition)ActivatorUtilities.CreateInstance(services, type);
        var owner = $"Task {type.FullName}";
        if (string.IsNullOrWhiteSpace(task.Id))
        {
            throw new InvalidOperationException($"{owner} has an empty Id; give it a unique, stable id such as \"send-email\".");
        }

        owner = $"Task '{task.Id}' ({type.FullName})";
        var retry = task.Retry ?? throw new InvalidOperationException($"{owner}: Retry is null; leave it unset for the defaults.");
        var queue = task.Queue ?? new QueueOptions();
        retry.Validate(owner);
        queue.Validate(owner);
        if (task.MaxDuration is { } maxDuration && maxDuration < TaskLimits.MinMaxDuration)
        {
            throw new InvalidOperationException($"{owner}: MaxDuration is {maxDuration}; it must be at least {TaskLimits.MinMaxDuration.TotalSeconds} seconds, or null for no limit.");
        }

        if (!Enum.IsDefined(task.Machine))
        {
            throw new InvalidOperationException($"{owner}: Machine is {(int)task.Machine}, which is not a machine preset.");
        }

        return new TaskDescriptor(
            task.Id,
            type,
            task.PayloadType,
            task.OutputType,
            retry,
            queue.Name ?? task.Id,
            queue.ConcurrencyLimit,
            task.MaxDuration,
            task.Machine,
            task.Description,
            TaskInvoker.Create(task.PayloadType, task.OutputType),
            ActivatorUtilities.CreateFactory(type, []));
    }
}
