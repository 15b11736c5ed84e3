using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using OrleansTasks;
using OrleansTasks.Hosting;
using OrleansTasksApp.Tasks;

namespace OrleansTasksApp.Tests;

/// <summary>One in-process cluster for the tests: a silo with your tasks (in memory) and a client.</summary>
public sealed class TaskCluster : IAsyncLifetime
{
    private InProcessTestCluster? _cluster;

    public ITaskClient Tasks => _cluster!.Client.ServiceProvider.GetRequiredService<ITaskClient>();

    public async ValueTask InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) => silo
            .AddOrleansTasks(tasks => tasks
                .AddTasksFromAssembly(typeof(SendReportTask).Assembly)
                .Configure(o => o.Defaults.RetriesEnabledInDevelopment = true))
            .AddMemoryGrainStorageAsDefault()
            .UseInMemoryReminderService());
        // The test cluster calls its client as soon as it has started, so the client connects before the start ends.
        builder.ConfigureClient(client => client.AddOrleansTasksClient(o => o.ConnectInBackground = false));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
