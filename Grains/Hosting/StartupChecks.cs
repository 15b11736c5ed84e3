using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansTasks.Registry;
using OrleansTasks.Storage.Postgres;

namespace OrleansTasks.Hosting;

internal sealed class StartupChecksOptions
{
    public bool DevelopmentStorage { get; set; }
}

/// <summary>
/// Runs before the silo joins the cluster: builds the task registry (so a duplicate task id or a bad option stops
/// start-up with a message naming the tasks), and in development mode says that nothing will survive a restart.
/// </summary>
internal sealed partial class StartupChecks(
    IServiceProvider services,
    IOptions<StartupChecksOptions> options,
    ILogger<StartupChecks> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(StartupChecks), ServiceLifecycleStage.First, _ =>
        {
            var registry = (TaskRegistry)services.GetService(typeof(TaskRegistry))!;
            LogTasks(registry.All.Count(), string.Join(", ", registry.All.Select(t => t.Id).Order(StringComparer.Ordinal)));
            if (options.Value.DevelopmentStorage)
            {
                LogDevelopmentMode();
            }

            return Task.CompletedTask;
        });

    [LoggerMessage(Level = LogLevel.Information, Message = "OrleansTasks: {Count} task(s) registered: {Tasks}.")]
    private partial void LogTasks(int count, string tasks);

    [LoggerMessage(Level = LogLevel.Warning, Message = "OrleansTasks is in development mode: runs, grain state and reminders are kept in memory and will not survive a restart. Set the connection string ConnectionStrings:OrleansTasks to keep them in PostgreSQL.")]
    private partial void LogDevelopmentMode();
}

/// <summary>Applies the database migrations before anything else in the silo touches the database.</summary>
internal sealed class MigrationParticipant(PostgresMigrator migrator) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(MigrationParticipant), ServiceLifecycleStage.First, migrator.MigrateAsync);
}
