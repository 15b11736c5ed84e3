using System.Collections.Frozen;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OrleansTasks.Hosting;
using OrleansTasks.Lifecycle;

namespace OrleansTasks.Registry;

/// <summary>
/// The tasks this silo can execute, by id and by CLR type name. Built once at start-up: every registered task is
/// instantiated, its options validated, and two tasks with one id stop start-up with a message naming both types.
/// </summary>
internal sealed class TaskRegistry
{
    private readonly FrozenDictionary<string, TaskDescriptor> _byId;
    private readonly FrozenDictionary<string, TaskDescriptor> _byTypeName;
    private readonly FrozenDictionary<string, QueueOptions> _queues;

    public TaskRegistry(IServiceProvider services, IOptions<TaskRegistrationOptions> registrations, IOptions<OrleansTasksOptions> options)
    {
        var byId = new Dictionary<string, TaskDescriptor>(StringComparer.Ordinal);
        var defaults = options.Value.Defaults;
        var retriesOff = !defaults.RetriesEnabledInDevelopment && services.GetService<IHostEnvironment>()?.IsDevelopment() == true;
        GlobalHookTypes = [.. registrations.Value.HookTypes];
        MiddlewareTypes = [.. registrations.Value.MiddlewareTypes];
        GlobalHooks = GlobalHookTypes.Aggregate(HookSet.None, (set, type) => set | HookSets.Overridden(type))
            | (MiddlewareTypes.Count > 0 ? HookSet.Middleware : HookSet.None);
        using var scope = services.CreateScope();
        foreach (var type in registrations.Value.TaskTypes)
        {
            var descriptor = Describe(scope.ServiceProvider, type, defaults, retriesOff);
            if (byId.TryGetValue(descriptor.Id, out var existing))
            {
                throw new InvalidConfigurationException(
                    $"Two tasks have the id '{descriptor.Id}': {existing.TaskType.FullName} and {type.FullName}. Task ids must be unique; rename one of them.");
            }

            byId.Add(descriptor.Id, descriptor);
        }

        _byId = byId.ToFrozenDictionary(StringComparer.Ordinal);
        _byTypeName = byId.Values.ToFrozenDictionary(d => d.TaskType.FullName!, StringComparer.Ordinal);
        _queues = DefineQueues(registrations.Value.Queues, byId.Values);
    }

    /// <summary>
    /// Every queue, from the shared definitions and the tasks' own. A definition that gives only a name refers to the
    /// queue; definitions that set limits must agree, or start-up stops naming them.
    /// </summary>
    private static FrozenDictionary<string, QueueOptions> DefineQueues(IEnumerable<QueueOptions> shared, IEnumerable<TaskDescriptor> tasks)
    {
        var definitions = shared.Select(q => (Owner: "AddQueue", Queue: q))
            .Concat(tasks.Select(t => (Owner: $"task '{t.Id}'", Queue: t.Queue with { Name = t.QueueName })))
            .GroupBy(d => d.Queue.Name!, StringComparer.Ordinal);
        var queues = new Dictionary<string, QueueOptions>(StringComparer.Ordinal);
        foreach (var group in definitions)
        {
            var setting = group.Where(d => !d.Queue.IsReference).ToList();
            if (setting.Select(d => d.Queue).Distinct().Count() > 1)
            {
                throw new InvalidConfigurationException(
                    $"The queue '{group.Key}' is defined with different limits: "
                    + string.Join("; ", setting.Select(d => $"{d.Owner}: {Describe(d.Queue)}"))
                    + ". Define it once (AddQueue) and name it from the tasks, or give every definition the same limits.");
            }

            queues[group.Key] = setting.Count > 0 ? setting[0].Queue : new QueueOptions { Name = group.Key };
        }

        return queues.ToFrozenDictionary(StringComparer.Ordinal);

        static string Describe(QueueOptions q) =>
            $"limit {q.ConcurrencyLimit?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, "
            + $"total {q.TotalConcurrencyLimit?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}, "
            + $"rate {(q.RateLimit is { } r ? $"{r.Limit}/{r.Period}" : "none")}";
    }

    public IEnumerable<TaskDescriptor> All => _byId.Values;

    /// <summary>The global hook classes, in registration order.</summary>
    public IReadOnlyList<Type> GlobalHookTypes { get; }

    /// <summary>The global middleware classes, outermost first.</summary>
    public IReadOnlyList<Type> MiddlewareTypes { get; }

    /// <summary>The hooks some global hook class overrides (and <see cref="HookSet.Middleware"/> when there is global middleware).</summary>
    public HookSet GlobalHooks { get; }

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

    /// <summary>A queue's definition; null when no task and no <c>AddQueue</c> defines it.</summary>
    public QueueOptions? GetQueue(string queueName) => _queues.GetValueOrDefault(queueName);

    /// <summary>Every defined queue, by name.</summary>
    public IEnumerable<QueueOptions> Queues => _queues.Values;

    private static TaskDescriptor Describe(IServiceProvider services, Type type, TaskDefaults defaults, bool retriesOff)
    {
        var task = (ITaskDefinition)ActivatorUtilities.CreateInstance(services, type);
        var owner = $"Task {type.FullName}";
        if (string.IsNullOrWhiteSpace(task.Id))
        {
            throw new InvalidConfigurationException($"{owner} has an empty Id; give it a unique, stable id such as \"send-email\".");
        }

        owner = $"Task '{task.Id}' ({type.FullName})";
        var retry = task.RetryPolicy ?? defaults.Retry;
        var queue = task.Queue ?? new QueueOptions();
        retry.Validate(owner);
        queue.Validate(owner);
        if (retriesOff)
        {
            retry = retry with { MaxAttempts = 1 };
        }

        var maxDuration = task.MaxDuration ?? defaults.MaxDuration;
        if (maxDuration == Timeout.InfiniteTimeSpan)
        {
            maxDuration = null;
        }
        else if (maxDuration is { } limit && limit < TaskLimits.MinMaxDuration)
        {
            throw new InvalidConfigurationException($"{owner}: MaxDuration is {limit}; it must be at least {TaskLimits.MinMaxDuration.TotalSeconds} seconds, null for the silo's default, or Timeout.InfiniteTimeSpan for no limit.");
        }

        var machine = task.Machine ?? MachinePresetNames.Parse(defaults.Machine);
        if (!Enum.IsDefined(machine))
        {
            throw new InvalidConfigurationException($"{owner}: Machine is {(int)machine}, which is not a machine preset.");
        }

        return new TaskDescriptor(
            task.Id,
            type,
            task.PayloadType,
            task.OutputType,
            retry,
            queue.Name ?? task.Id,
            queue,
            maxDuration,
            machine,
            task.Description,
            TaskInvoker.Create(task.PayloadType, task.OutputType),
            ActivatorUtilities.CreateFactory(type, []),
            HookSets.Overridden(type))
        {
            DeclaredSchedule = DeclaredSchedule(task, owner),
        };
    }

    /// <summary>The task's declarative schedule, checked now so a bad pattern or zone stops start-up naming the task.</summary>
    private static Schedules.ScheduleSpec? DeclaredSchedule(ITaskDefinition task, string owner)
    {
        if (task is not IScheduledTask { Cron: { } cron })
        {
            return null;
        }

        try
        {
            return Schedules.ScheduleRules.Declarative(task.Id, cron);
        }
        catch (InvalidRequestException exception)
        {
            throw new InvalidConfigurationException($"{owner}: its Cron is not valid. {exception.Message}");
        }
    }
}
