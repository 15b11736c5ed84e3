using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Serialization;
using OrleansTasks.Execution;
using OrleansTasks.Logs;
using OrleansTasks.Logs.Postgres;
using OrleansTasks.Maintenance;
using OrleansTasks.Registry;
using Orleans.Storage;
using Orleans.Streams;
using OrleansTasks.Realtime;
using OrleansTasks.Storage;
using OrleansTasks.Storage.Postgres;
using OrleansTasks.Waitpoints;
using OrleansTasks.Waitpoints.Postgres;

namespace OrleansTasks.Hosting;

/// <summary>Turns a silo into an OrleansTasks silo.</summary>
public static class SiloBuilderExtensions
{
    /// <summary>
    /// Adds the OrleansTasks engine and registers tasks through <paramref name="configure"/>. Safe to call more than
    /// once: the engine is added once and registrations accumulate. Storage is in memory until a <c>UseOrleansTasks…</c>
    /// method chooses otherwise.
    /// </summary>
    /// <remarks>
    /// Also turns on Orleans' activity propagation (<c>AddActivityPropagation</c>), so grain calls carry the trace
    /// context and the engine's spans join the caller's trace; it is skipped if the silo already has it on. An
    /// application that turns it on itself should do so before this call, or Orleans' filters run twice.
    /// </remarks>
    public static ISiloBuilder AddOrleansTasks(this ISiloBuilder builder, Action<OrleansTasksBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (!services.Any(d => d.ServiceType == typeof(EngineMarker)))
        {
            services.AddSingleton<EngineMarker>();
            if (!HasActivityPropagation(services))
            {
                builder.AddActivityPropagation();
            }

            services.AddOptions<OrleansTasksOptions>().BindConfiguration(OrleansTasksOptions.SectionName).ValidateOnStart();
            services.AddSingleton<IValidateOptions<OrleansTasksOptions>, OrleansTasksOptionsValidator>();
            services.AddOptions<TaskRegistrationOptions>();
            services.TryAddSingleton(TimeProvider.System);
            services.AddSingleton<TaskRegistry>();
            services.AddSingleton<AttemptExecutor>();
            services.AddSingleton<Notices.NoticeSender>();
            services.AddSingleton<Updates.RunUpdates>();
            services.AddSingleton<Updates.DeclinedWrites>();
            services.AddSingleton<Machines.MachineCatalog>();
            services.AddSingleton<Draining.SiloDrain>();
            services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<Draining.SiloDrain>());
            services.AddOptions<HostOptions>().Configure<IOptions<OrleansTasksOptions>>((host, tasks) =>
                host.ShutdownTimeout = TimeSpan.FromTicks(Math.Max(host.ShutdownTimeout.Ticks, Draining.SiloDrain.ShutdownTimeout(tasks.Value.DrainTimeout).Ticks)));
            Health.SiloHealthChecks.Add(services);
            services.TryAddSingleton<IRunStore, InMemoryRunStore>();
            services.TryAddSingleton<IWaitpointStore, InMemoryWaitpointStore>();
            services.TryAddSingleton<IRunLogStore, InMemoryRunLogStore>();
            services.TryAddSingleton<Streams.IRunStreamStore, Streams.InMemoryRunStreamStore>();
            services.TryAddSingleton<Schedules.IScheduleStore, Schedules.InMemoryScheduleStore>();
            services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, Schedules.DeclarativeSchedules>();
            services.AddSingleton<RunLogWriter>();
            services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<RunLogWriter>());
            services.AddOptions<Retention.RetentionCleanerOptions>();
            services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, Retention.RetentionCleaner>();
            services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, StartupChecks>();
            services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, StartupSummary>();
            services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, MembershipWatcher>();
            AddRealtime(builder);

            // A database failure reaches callers as StorageException, never as the provider's exception.
            builder.AddIncomingGrainCallFilter<StorageFailureFilter>();
        }

        configure?.Invoke(new OrleansTasksBuilder(services));
        return builder;
    }

    /// <summary>
    /// Realtime: the silo's copy of the followed topics, the publisher that puts followed runs' updates on the realtime
    /// memory streams, and where those streams keep their subscriptions (see <see cref="RealtimeSubscriptionStorage"/>).
    /// </summary>
    private static void AddRealtime(ISiloBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<RealtimeInterest>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<RealtimeInterest>());
        services.AddSingleton<RealtimePublisher>();
        services.AddSingleton<Updates.IRunUpdateObserver>(sp => sp.GetRequiredService<RealtimePublisher>());
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<RealtimePublisher>());
        builder.AddMemoryGrainStorage(RealtimeSubscriptionStorage.MemoryName);
        services.AddKeyedSingleton<IGrainStorage>(RealtimeTopic.ProviderName, (sp, _) => new RealtimeSubscriptionStorage(sp));
        builder.AddMemoryStreams(RealtimeTopic.ProviderName, streams =>
        {
            streams.ConfigurePartitioning(RealtimeStreamQueues);
            streams.ConfigureStreamPubSub(StreamPubSubType.ExplicitGrainBasedOnly);
            streams.ConfigurePullingAgent(agent => agent.Configure(o =>
            {
                o.GetQueueMsgsTimerPeriod = RealtimePullPeriod;
                o.BatchContainerBatchSize = 16; // a consumer gets up to 16 items in one delivery
            }));
        });
    }

    /// <summary>The realtime streams' in-memory queues; each is read by one pulling agent, spread over the silos.</summary>
    private const int RealtimeStreamQueues = 4;

    /// <summary>How often a pulling agent looks for new items when its queue was empty; the floor of a realtime update's latency.</summary>
    private static readonly TimeSpan RealtimePullPeriod = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// Keeps everything in PostgreSQL: Orleans' ADO.NET clustering, grain storage and reminders, the runs and their
    /// logs. The silo applies the schema migrations at start-up (idempotent; silos starting together take turns). A
    /// silo whose Orleans service id was not set gets <c>orleans-tasks</c>, as clients wired the same way do.
    /// </summary>
    public static ISiloBuilder UseOrleansTasksPostgres(this ISiloBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        builder.UseAdoNetClustering(o =>
        {
            o.Invariant = PostgresInvariant;
            o.ConnectionString = connectionString;
        });
        builder.AddAdoNetGrainStorageAsDefault(o =>
        {
            o.Invariant = PostgresInvariant;
            o.ConnectionString = connectionString;
        });
        builder.UseAdoNetReminderService(o =>
        {
            o.Invariant = PostgresInvariant;
            o.ConnectionString = connectionString;
        });
        builder.AddAdoNetGrainStorage(RealtimeSubscriptionStorage.DurableName, o =>
        {
            o.Invariant = PostgresInvariant;
            o.ConnectionString = connectionString;
        });

        var services = builder.Services;
        HostDefaults.DefaultServiceId(services);
        services.RemoveAll<IRunStore>();
        services.RemoveAll<RunStoreDataSource>();
        services.AddSingleton(new RunStoreDataSource(CreateRunStoreDataSource(connectionString), connectionString));
        services.AddSingleton<PostgresRunStore>(sp => new PostgresRunStore(
            sp.GetRequiredService<RunStoreDataSource>().DataSource,
            sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId,
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<PostgresRunStore>>()));
        services.AddSingleton<IRunStore>(sp => sp.GetRequiredService<PostgresRunStore>());
        services.RemoveAll<IWaitpointStore>();
        services.AddSingleton<IWaitpointStore>(sp => new PostgresWaitpointStore(
            sp.GetRequiredService<RunStoreDataSource>().DataSource,
            sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId));
        services.RemoveAll<IRunLogStore>();
        services.AddSingleton<IRunLogStore>(sp => new PostgresRunLogStore(
            sp.GetRequiredService<RunStoreDataSource>().DataSource,
            sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId));
        services.RemoveAll<Streams.IRunStreamStore>();
        services.AddSingleton<Streams.IRunStreamStore>(sp => new Streams.Postgres.PostgresRunStreamStore(
            sp.GetRequiredService<RunStoreDataSource>().DataSource,
            sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId));
        services.RemoveAll<Schedules.IScheduleStore>();
        services.AddSingleton<Schedules.IScheduleStore>(sp => new Schedules.Postgres.PostgresScheduleStore(
            sp.GetRequiredService<RunStoreDataSource>().DataSource,
            sp.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId,
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<Schedules.Postgres.PostgresScheduleStore>>()));
        services.AddSingleton(sp => new PostgresMigrator(
            sp.GetRequiredService<RunStoreDataSource>().DataSource,
            sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<PostgresMigrator>>()));
        if (!services.Any(d => d.ImplementationType == typeof(MigrationParticipant)))
        {
            services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, MigrationParticipant>();
        }

        return builder;
    }

    /// <summary>
    /// Development mode: localhost clustering, grain state, reminders, runs and run logs in memory. Nothing survives a
    /// restart, and the silo says so in its log at start-up.
    /// </summary>
    public static ISiloBuilder UseOrleansTasksDevelopmentStorage(this ISiloBuilder builder, int siloPort = 11111, int gatewayPort = 30000)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseLocalhostClustering(siloPort, gatewayPort);
        builder.AddMemoryGrainStorageAsDefault();
        builder.UseInMemoryReminderService();
        builder.Services.RemoveAll<IRunStore>();
        builder.Services.AddSingleton<IRunStore, InMemoryRunStore>();
        builder.Services.RemoveAll<IWaitpointStore>();
        builder.Services.AddSingleton<IWaitpointStore, InMemoryWaitpointStore>();
        builder.Services.RemoveAll<IRunLogStore>();
        builder.Services.AddSingleton<IRunLogStore, InMemoryRunLogStore>();
        builder.Services.RemoveAll<Streams.IRunStreamStore>();
        builder.Services.AddSingleton<Streams.IRunStreamStore, Streams.InMemoryRunStreamStore>();
        builder.Services.RemoveAll<Schedules.IScheduleStore>();
        builder.Services.AddSingleton<Schedules.IScheduleStore, Schedules.InMemoryScheduleStore>();
        builder.Services.Configure<StartupChecksOptions>(o => o.DevelopmentStorage = true);
        return builder;
    }

    /// <summary>
    /// Configures a silo from configuration, the way the OrleansTasks host does: the connection string
    /// <c>ConnectionStrings:OrleansTasks</c> chooses PostgreSQL (absent: development mode); the <c>Orleans</c> section
    /// sets <c>ServiceId</c>, <c>ClusterId</c>, <c>SiloPort</c>, <c>GatewayPort</c>, <c>AdvertisedIPAddress</c>,
    /// <c>SiloName</c> and membership timings (<c>Orleans:Membership</c>); the <c>OrleansTasks</c> section sets engine options.
    /// </summary>
    public static ISiloBuilder UseOrleansTasksConfiguration(this ISiloBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        var orleans = configuration.GetSection(HostDefaults.OrleansSection);
        var (siloPort, gatewayPort) = HostDefaults.Ports(configuration);
        var connectionString = HostDefaults.ConnectionString(configuration);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            builder.UseOrleansTasksDevelopmentStorage(siloPort, gatewayPort);
        }
        else
        {
            builder.UseOrleansTasksPostgres(connectionString);
            var advertised = orleans.GetValue<string>("AdvertisedIPAddress");
            builder.ConfigureEndpoints(
                advertised is null ? System.Net.IPAddress.Loopback : System.Net.IPAddress.Parse(advertised),
                siloPort,
                gatewayPort,
                listenOnAnyHostAddress: advertised is not null);
        }

        var (serviceId, clusterId) = HostDefaults.Ids(configuration);
        builder.Configure<ClusterOptions>(o =>
        {
            o.ServiceId = serviceId;
            o.ClusterId = clusterId;
        });
        if (orleans.GetValue<string>("SiloName") is { Length: > 0 } siloName)
        {
            // In Kubernetes, the pod's name: membership and logs then say which pod a silo was.
            builder.Configure<SiloOptions>(o => o.SiloName = siloName);
        }

        builder.Services.Configure<ClusterMembershipOptions>(orleans.GetSection("Membership"));
        return builder;
    }

    internal const string PostgresInvariant = "Npgsql";

    /// <summary>
    /// The run store's own pool. Its few statements run thousands of times a second, so they are prepared once per
    /// connection; and it never changes session state, so returning a connection to the pool needs no reset.
    /// </summary>
    internal static NpgsqlDataSource CreateRunStoreDataSource(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.MaxAutoPrepare == 0)
        {
            builder.MaxAutoPrepare = 32;
            builder.AutoPrepareMinUsages = 2;
        }

        builder.NoResetOnClose = true;
        return NpgsqlDataSource.Create(builder.ConnectionString);
    }

    /// <summary>
    /// Whether Orleans' activity propagation is on already. <c>AddActivityPropagation</c> is not idempotent (each call
    /// adds its filters again, so every grain call would get two client and two server spans), and its filter types are
    /// internal, hence the match by name.
    /// </summary>
    private static bool HasActivityPropagation(IServiceCollection services) =>
        services.Any(d => !d.IsKeyedService
            && d.ServiceType == typeof(IIncomingGrainCallFilter)
            && d.ImplementationType?.Name == "ActivityPropagationIncomingGrainCallFilter");

    /// <summary>Marks that the engine's services are registered.</summary>
    private sealed class EngineMarker;
}

/// <summary>The data source the run store and migrator use, kept apart from any the application registers.</summary>
/// <summary>The run store's pool, and the connection string it was made from (which the pool does not give back whole).</summary>
internal sealed record RunStoreDataSource(NpgsqlDataSource DataSource, string ConnectionString);
