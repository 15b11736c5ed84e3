using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using OrleansTasks.Hosting;
using OrleansTasks.Storage;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Infrastructure;

/// <summary>
/// An in-process cluster with the test tasks, storing runs in one in-memory store that its silos share (as they
/// would share a database). One per collection; tests use their own run ids and payloads.
/// </summary>
public class ClusterFixture : IAsyncLifetime
{
    private InProcessTestCluster? _cluster;

    internal InMemoryRunStore Store { get; } = new();

    public InProcessTestCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster is not deployed.");

    public ITaskClient Tasks => Cluster.Client.ServiceProvider.GetRequiredService<ITaskClient>();

    public IGrainFactory Grains => Cluster.Client;

    public static readonly TimeSpan SuspendThreshold = TimeSpan.FromSeconds(1);

    protected virtual short SiloCount => 1;

    public async ValueTask InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(SiloCount);
        var store = Store;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddOrleansTasks(tasks => tasks
                    .AddTasksFromAssembly(typeof(EchoTask).Assembly)
                    .Configure(o =>
                    {
                        o.SupervisorInterval = TimeSpan.FromMilliseconds(500);

                        // Short, so a two-second wait suspends and replays within a test.
                        o.SuspendThreshold = SuspendThreshold;
                    }))
                .AddMemoryGrainStorageAsDefault()
                .UseInMemoryReminderService();
            silo.Services.AddSingleton<IRunStore>(store);
        });
        builder.ConfigureClient(client => client.AddOrleansTasksClient());
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}

/// <summary>Two silos, for rules that must hold across the cluster.</summary>
public sealed class TwoSiloClusterFixture : ClusterFixture
{
    protected override short SiloCount => 2;
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}

[CollectionDefinition(Name)]
public sealed class TwoSiloClusterCollection : ICollectionFixture<TwoSiloClusterFixture>
{
    public const string Name = "two-silo cluster";
}
