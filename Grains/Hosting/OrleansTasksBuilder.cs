using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace OrleansTasks.Hosting;

/// <summary>Registers tasks and settings on a silo; returned to the delegate of <c>AddOrleansTasks</c>.</summary>
public sealed class OrleansTasksBuilder
{
    internal OrleansTasksBuilder(IServiceCollection services)
    {
        Services = services;
    }

    /// <summary>The silo's services, for registering what tasks depend on.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Registers one task. Registering the same type twice is harmless.</summary>
    public OrleansTasksBuilder AddTask<TTask>()
        where TTask : class, ITaskDefinition => AddTask(typeof(TTask));

    /// <summary>Registers one task. Registering the same type twice is harmless.</summary>
    /// <exception cref="InvalidConfigurationException">The type is not a concrete task class.</exception>
    public OrleansTasksBuilder AddTask(Type taskType)
    {
        ArgumentNullException.ThrowIfNull(taskType);
        if (!IsTaskType(taskType))
        {
            throw new InvalidConfigurationException(
                $"{taskType.FullName} is not a task: a task is a non-abstract class deriving from TaskDefinition<TPayload, TOutput>.");
        }

        // Tasks are services too, so a task can take the tasks it triggers in its constructor
        // (child.TriggerAndWaitAsync(payload), as in Trigger.dev).
        Services.TryAddTransient(taskType);
        Services.Configure<TaskRegistrationOptions>(o =>
        {
            if (!o.TaskTypes.Contains(taskType))
            {
                o.TaskTypes.Add(taskType);
            }
        });
        return this;
    }

    /// <summary>
    /// Defines a shared queue: tasks name it in their <c>Queue</c> (giving only the name), and triggers may name it
    /// in <see cref="TriggerOptions.Queue"/>. A task that defines the same queue with other limits stops start-up.
    /// </summary>
    /// <exception cref="InvalidConfigurationException">The queue has no name, or a setting is out of range.</exception>
    public OrleansTasksBuilder AddQueue(QueueOptions queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        if (string.IsNullOrWhiteSpace(queue.Name))
        {
            throw new InvalidConfigurationException("A shared queue needs a Name.");
        }

        queue.Validate($"Queue '{queue.Name}'");
        Services.Configure<TaskRegistrationOptions>(o => o.Queues.Add(queue));
        return this;
    }

    /// <summary>
    /// Registers hooks that run for every task (Trigger.dev's global hooks). Hook classes run in registration order,
    /// before the task's own hook of the same name. One instance per execution, from the silo's services.
    /// Registering the same type twice is harmless.
    /// </summary>
    public OrleansTasksBuilder AddLifecycleHooks<THooks>()
        where THooks : TaskLifecycleHooks
    {
        Services.TryAddTransient<THooks>();
        Services.Configure<TaskRegistrationOptions>(o =>
        {
            if (!o.HookTypes.Contains(typeof(THooks)))
            {
                o.HookTypes.Add(typeof(THooks));
            }
        });
        return this;
    }

    /// <summary>
    /// Registers middleware around every attempt of every task (Trigger.dev's <c>tasks.middleware</c>). The first
    /// registered is the outermost; all run before the task's own <c>MiddlewareAsync</c>. One instance per execution,
    /// from the silo's services. Registering the same type twice is harmless.
    /// </summary>
    public OrleansTasksBuilder AddMiddleware<TMiddleware>()
        where TMiddleware : class, ITaskMiddleware
    {
        Services.TryAddTransient<TMiddleware>();
        Services.Configure<TaskRegistrationOptions>(o =>
        {
            if (!o.MiddlewareTypes.Contains(typeof(TMiddleware)))
            {
                o.MiddlewareTypes.Add(typeof(TMiddleware));
            }
        });
        return this;
    }

    /// <summary>Registers every task class in an assembly (public or not).</summary>
    public OrleansTasksBuilder AddTasksFromAssembly(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        foreach (var type in assembly.GetTypes().Where(IsTaskType).OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            AddTask(type);
        }

        return this;
    }

    /// <summary>Changes engine settings; they are bound from the <c>OrleansTasks</c> configuration section first.</summary>
    public OrleansTasksBuilder Configure(Action<OrleansTasksOptions> configure)
    {
        Services.Configure(configure);
        return this;
    }

    internal static bool IsTaskType(Type type) =>
        type is { IsClass: true, IsAbstract: false, ContainsGenericParameters: false }
        && typeof(ITaskDefinition).IsAssignableFrom(type)
        && DerivesFromTaskDefinition(type);

    private static bool DerivesFromTaskDefinition(Type type)
    {
        for (var current = type.BaseType; current is not null; current = current.BaseType)
        {
            if (current.IsGenericType && current.GetGenericTypeDefinition() == typeof(TaskDefinition<,>))
            {
                return true;
            }
        }

        return false;
    }
}
