using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Configuration;
using Orleans.Serialization;

namespace OrleansTasks.Hosting;

/// <summary>Registers <see cref="ITaskClient"/> on an Orleans client (or a silo, for a co-hosted client).</summary>
public static class ClientBuilderExtensions
{
    /// <summary>
    /// Adds <see cref="ITaskClient"/> to the client's services, and turns on Orleans' activity propagation
    /// (<c>AddActivityPropagation</c>) unless it is on already, so a run triggered inside a span joins that span's
    /// trace. Safe to call twice. An application that turns propagation on itself should do so before this call, or
    /// Orleans' filters run twice.
    /// <para>
    /// The client connects in the background: the host starts whether or not a silo is up, keeps trying until one
    /// answers, and each call waits for the connection within <see cref="TaskClientOptions.RetryTransientFailuresFor"/>
    /// (then throws <see cref="ClusterUnavailableException"/>). An <see cref="IClientConnectionRetryFilter"/> of your
    /// own replaces the keep-trying one. A test cluster (<c>InProcessTestCluster</c>) calls its client as soon as it
    /// has started: give it <c>o =&gt; o.ConnectInBackground = false</c>, so the client connects before the start ends.
    /// </para>
    /// </summary>
    /// <param name="builder">The Orleans client.</param>
    /// <param name="configure">Sets <see cref="TaskClientOptions"/>; null for the defaults.</param>
    public static IClientBuilder AddOrleansTasksClient(this IClientBuilder builder, Action<TaskClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOrleansTasksClient();
        if (configure is not null)
        {
            builder.Services.Configure(configure);
        }

        ClusterConnection.Register(builder.Services);
        if (!builder.Services.Any(d => d.IsKeyedService && Equals(d.ServiceKey, Realtime.RealtimeTopic.ProviderName)))
        {
            // Realtime subscriptions listen on the silos' realtime streams.
            builder.AddMemoryStreams(Realtime.RealtimeTopic.ProviderName);
        }

        if (!HasActivityPropagation(builder.Services))
        {
            builder.AddActivityPropagation();
        }

        return builder;
    }

    /// <summary>
    /// Adds <see cref="ITaskClient"/> to a service collection that already has an Orleans client or silo, for
    /// example a silo that also triggers runs. Safe to call twice.
    /// </summary>
    public static IServiceCollection AddOrleansTasksClient(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        if (!services.Any(d => d.ServiceType == typeof(ITaskClient)))
        {
            services.AddOptions<TaskClientOptions>();
            services.AddSingleton<ITaskClient, TaskClient>();
            services.Configure<ExceptionSerializationOptions>(o => o.SupportedNamespacePrefixes.Add("Npgsql"));
        }

        return services;
    }

    /// <summary>
    /// Whether Orleans' activity propagation is on already: <c>AddActivityPropagation</c> adds its filters again on every
    /// call, and their types are internal, hence the match by name.
    /// </summary>
    private static bool HasActivityPropagation(IServiceCollection services) =>
        services.Any(d => !d.IsKeyedService
            && d.ServiceType == typeof(IOutgoingGrainCallFilter)
            && d.ImplementationType?.Name == "ActivityPropagationOutgoingGrainCallFilter");

    /// <summary>
    /// Finds the cluster's gateways in PostgreSQL, where OrleansTasks silos register themselves. A client whose Orleans
    /// service id was not set gets <c>orleans-tasks</c>, as silos wired the same way do.
    /// </summary>
    public static IClientBuilder UseOrleansTasksPostgres(this IClientBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        HostDefaults.DefaultServiceId(builder.Services);
        // The gateway list is read again every 5 s instead of every minute, so a client whose silos were all replaced
        // finds the new ones well within TaskClientOptions.RetryTransientFailuresFor. A later Configure call wins.
        return builder
            .UseAdoNetClustering(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = connectionString;
            })
            .Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
    }
}
