using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using OrleansTasks.Hosting;
using OrleansTasks.Logs;
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

    /// <summary>The run logs of every silo, shared as <see cref="Store"/> is, so any silo answers for any run's logs.</summary>
    internal InMemoryRunLogStore LogStore { get; } = new();

    /// <summary>The silos' data-stream store, shared as a database would be.</summary>
    internal global::OrleansTasks.Streams.InMemoryRunStreamStore StreamStore { get; } = new(TimeProvider.System);

    /// <summary>Every run update the silos handed on.</summary>
    internal RecordedUpdates Updates { get; } = new();

    public InProcessTestCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster is not deployed.");

    public ITaskClient Tasks => Cluster.Client.ServiceProvider.GetRequiredService<ITaskClient>();

    public IGrainFactory Grains => Cluster.Client;

    public static readonly TimeSpan SuspendThreshold = TimeSpan.FromSeconds(1);

    protected virtual short SiloCount => 1;

    /// <summary>The machine presets the silo named <paramref name="siloName"/> serves; empty for all.</summary>
    protected virtual List<string> MachinePresetsFor(string siloName) => [];

    /// <summary>Registers more on the silos (global hooks, middleware) for a fixture that needs them.</summary>
    protected virtual void ConfigureTasks(OrleansTasksBuilder tasks)
    {
    }

    /// <summary>How long a wait must be for its run to suspend, on this fixture's silos.</summary>
    protected virtual TimeSpan SuspendThresholdOfSilos => SuspendThreshold;

    /// <summary>The environment-wide concurrency limit the silos run with.</summary>
    public virtual int EnvironmentLimit => 100;

    public async ValueTask InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(SiloCount);
        var store = Store;
        var logStore = LogStore;
        var streamStore = StreamStore;
        var updates = Updates;
        var environmentLimit = EnvironmentLimit;
        var suspendThreshold = SuspendThresholdOfSilos;
        builder.ConfigureSilo((options, silo) =>
        {
            var presets = MachinePresetsFor(options.SiloName);
            silo.AddOrleansTasks(tasks => tasks
                    .AddTasksFromAssembly(typeof(EchoTask).Assembly)
                    .AddQueue(TestQueues.Rated)
                    .Configure(o =>
                    {
                        o.EnvironmentConcurrencyLimit = environmentLimit;
                        o.MachinePresets = presets;
                        o.SupervisorInterval = TimeSpan.FromMilliseconds(500);

                        // The in-process cluster runs in the Development environment; these tests need production retries.
                        o.Defaults.RetriesEnabledInDevelopment = true;

                        // Short, so a two-second wait suspends and replays within a test.
                        o.SuspendThreshold = suspendThreshold;
                    }))
                .AddMemoryGrainStorageAsDefault()
                .UseInMemoryReminderService();
            silo.Services.AddSingleton<IRunStore>(new FaultyRunStore(store));
            ConfigureTasks(new OrleansTasksBuilder(silo.Services));
            silo.Services.AddSingleton<IRunLogStore>(logStore);
            silo.Services.AddSingleton<global::OrleansTasks.Streams.IRunStreamStore>(streamStore);
            silo.Services.AddSingleton<Updates.IRunUpdateObserver>(updates);
        });
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

        GC.SuppressFinalize(this);
    }
}

/// <summary>
/// One silo with global lifecycle hooks and middleware that record what they see. Kept apart: a global
/// <c>OnStartAsync</c> adds a journal entry to every run, which other tests count.
/// </summary>
public sealed class LifecycleFixture : ClusterFixture
{
    protected override void ConfigureTasks(OrleansTasksBuilder tasks) =>
        tasks.AddLifecycleHooks<RecordingHooks>().AddMiddleware<RecordingMiddleware>();
}

[CollectionDefinition(Name)]
public sealed class LifecycleCollection : ICollectionFixture<LifecycleFixture>
{
    public const string Name = "lifecycle";
}

/// <summary>Two silos, for rules that must hold across the cluster.</summary>
public sealed class TwoSiloClusterFixture : ClusterFixture
{
    protected override short SiloCount => 2;
}

/// <summary>One silo with a small environment-wide limit, for the rule that it holds across queues.</summary>
public sealed class SmallEnvironmentFixture : ClusterFixture
{
    public const int Limit = 4;

    public override int EnvironmentLimit => Limit;
}

/// <summary>Two silos that serve different machine presets: the second (its name ends in 1) large-1x, the first small-1x.</summary>
public sealed class MachineFixture : ClusterFixture
{
    protected override short SiloCount => 2;

    protected override List<string> MachinePresetsFor(string siloName) => siloName.EndsWith('1') ? ["large-1x"] : ["small-1x"];
}

/// <summary>One silo whose runs never suspend while a test looks: their code stays in its waits, live.</summary>
public sealed class LiveWaitFixture : ClusterFixture
{
    protected override TimeSpan SuspendThresholdOfSilos => TimeSpan.FromHours(1);
}

[CollectionDefinition(Name)]
public sealed class LiveWaitCollection : ICollectionFixture<LiveWaitFixture>
{
    public const string Name = "live waits";
}

[CollectionDefinition(Name)]
public sealed class MachineCollection : ICollectionFixture<MachineFixture>
{
    public const string Name = "machines";
}

[CollectionDefinition(Name)]
public sealed class SmallEnvironmentCollection : ICollectionFixture<SmallEnvironmentFixture>
{
    public const string Name = "small environment";
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
