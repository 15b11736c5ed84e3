using System.Globalization;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using OrleansTasks.Registry;
using OrleansTasks.Storage;

namespace OrleansTasks.Hosting;

/// <summary>
/// Once the silo is up, says in one block where it is and what it serves: the storage (development mode in memory, or
/// PostgreSQL at host:port/database), the service and cluster ids, the endpoints, the tasks with their queues, and
/// where to go next. No secret is printed: of the connection string, only the host, port, database and user.
/// </summary>
internal sealed partial class StartupSummary(IServiceProvider services, ILogger<StartupSummary> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(StartupSummary), ServiceLifecycleStage.Active, _ =>
        {
            LogSummary(Describe());
            return Task.CompletedTask;
        });

    internal string Describe()
    {
        var cluster = services.GetRequiredService<IOptions<ClusterOptions>>().Value;
        var silo = services.GetRequiredService<ILocalSiloDetails>();
        var registry = services.GetRequiredService<TaskRegistry>();
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"OrleansTasks silo {silo.Name} is up.\n");
        text.Append(CultureInfo.InvariantCulture, $"  Storage:  {Storage()}\n");
        text.Append(CultureInfo.InvariantCulture, $"  Cluster:  ServiceId {cluster.ServiceId}, ClusterId {cluster.ClusterId}; silo {silo.SiloAddress.Endpoint}");
        text.Append(silo.GatewayAddress is { } gateway ? $", clients connect to gateway {gateway.Endpoint}\n" : ", no client gateway\n");
        var tasks = registry.All.OrderBy(t => t.Id, StringComparer.Ordinal).ToList();
        text.Append(CultureInfo.InvariantCulture, $"  Tasks ({tasks.Count}):");
        text.Append(tasks.Count == 0 ? " none registered; add them with AddOrleansTasksSilo(tasks => tasks.AddTasksFromAssembly(...))\n" : "\n");
        foreach (var task in tasks)
        {
            text.Append(CultureInfo.InvariantCulture, $"    {task.Id} ({task.TaskType.Name}): queue {task.QueueName}{Limit(registry.GetQueue(task.QueueName))}, up to {task.Retry.MaxAttempts} attempt(s)\n");
        }

        text.Append("  Next:     trigger runs from a service with builder.AddOrleansTasksClient() (the same ConnectionStrings:OrleansTasks, ");
        text.Append("Orleans:ServiceId, ClusterId and GatewayPort) and ITaskClient: tasks.For<MyTask>().TriggerAsync(payload).");
        return text.ToString();
    }

    private string Storage()
    {
        if (services.GetRequiredService<IRunStore>().IsDurable && services.GetService<RunStoreDataSource>() is { } source)
        {
            var connection = new NpgsqlConnectionStringBuilder(source.ConnectionString);
            return $"PostgreSQL at {connection.Host}:{connection.Port}/{connection.Database} as {connection.Username}";
        }

        return "development mode, in memory: nothing survives a restart (set ConnectionStrings:OrleansTasks for PostgreSQL)";
    }

    private static string Limit(QueueOptions? queue) => queue?.ConcurrencyLimit is { } limit
        ? string.Create(CultureInfo.InvariantCulture, $" (limit {limit})")
        : string.Empty;

    [LoggerMessage(Level = LogLevel.Information, Message = "{Summary}")]
    private partial void LogSummary(string summary);
}
