using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace OrleansTasks.Hosting;

/// <summary>An OrleansTasks client host in one call: the counterpart of <c>AddOrleansTasksSilo</c> for a service that triggers runs.</summary>
public static class ClientHostExtensions
{
    /// <summary>
    /// Connects this host to an OrleansTasks cluster configured from <see cref="IHostApplicationBuilder.Configuration"/>
    /// with the same keys and defaults as the silo (<c>AddOrleansTasksSilo</c>), and adds <see cref="ITaskClient"/>:
    /// <c>ConnectionStrings:OrleansTasks</c> finds the silos' gateways in PostgreSQL (absent or empty: a development
    /// silo on this machine, at <c>Orleans:GatewayPort</c>, default 30000); <c>Orleans:ServiceId</c> and
    /// <c>Orleans:ClusterId</c> must match the silos' (default <c>orleans-tasks</c> and <c>default</c>). Orleans' own
    /// logs are kept at Warning unless the configuration's <c>Logging</c> section says otherwise.
    /// </summary>
    /// <param name="builder">The host, e.g. <c>WebApplication.CreateBuilder(args)</c>.</param>
    /// <param name="configure">Sets <see cref="TaskClientOptions"/>; null for the defaults.</param>
    /// <returns>The host builder.</returns>
    public static IHostApplicationBuilder AddOrleansTasksClient(this IHostApplicationBuilder builder, Action<TaskClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var connectionString = HostDefaults.ConnectionString(configuration);
        var (serviceId, clusterId) = HostDefaults.Ids(configuration);
        builder.UseOrleansClient(client =>
        {
            if (string.IsNullOrWhiteSpace(connectionString))
            {
                client.UseLocalhostClustering(HostDefaults.Ports(configuration).GatewayPort, serviceId, clusterId);
            }
            else
            {
                client.UseOrleansTasksPostgres(connectionString);
            }

            client.Configure<ClusterOptions>(o =>
            {
                o.ServiceId = serviceId;
                o.ClusterId = clusterId;
            });
            client.AddOrleansTasksClient();
        });
        if (configure is not null)
        {
            builder.Services.Configure(configure);
        }

        HostDefaults.QuietFrameworkLogs(builder.Services);
        return builder;
    }
}
