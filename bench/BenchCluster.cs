using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using OrleansTasks.Hosting;

namespace OrleansTasks.Bench;

/// <summary>
/// A silo and a separate client in this process, the client talking to the silo over its TCP gateway as a service
/// would. With a connection string the silo runs on PostgreSQL (applying migrations); without, in memory.
/// </summary>
internal sealed class BenchCluster : IAsyncDisposable
{
    private readonly IHost _silo;
    private readonly IHost _client;

    private BenchCluster(IHost silo, IHost client, string serviceId, int gatewayPort)
    {
        _silo = silo;
        _client = client;
        ServiceId = serviceId;
        GatewayPort = gatewayPort;
    }

    /// <summary>The cluster's service (and cluster) id, for another process's client.</summary>
    public string ServiceId { get; }

    /// <summary>The silo's gateway port, for another process's client.</summary>
    public int GatewayPort { get; }

    public ITaskClient Tasks => _client.Services.GetRequiredService<ITaskClient>();

    public IServiceProvider SiloServices => _silo.Services;

    public IClusterClient Client => _client.Services.GetRequiredService<IClusterClient>();

    public static async Task<BenchCluster> StartAsync(string? connectionString, Action<OrleansTasksBuilder> tasks)
    {
        var serviceId = "bench-" + Guid.NewGuid().ToString("N")[..8];
        var siloPort = FreePort();
        var gatewayPort = FreePort();

        var siloBuilder = Host.CreateApplicationBuilder();
        siloBuilder.Logging.SetMinimumLevel(LogLevel.Warning);
        siloBuilder.UseOrleans(silo =>
        {
            if (connectionString is null)
            {
                silo.UseOrleansTasksDevelopmentStorage(siloPort, gatewayPort);
            }
            else
            {
                silo.UseOrleansTasksPostgres(connectionString).ConfigureEndpoints(IPAddress.Loopback, siloPort, gatewayPort);
            }

            silo.Configure<ClusterOptions>(o => (o.ServiceId, o.ClusterId) = (serviceId, serviceId));
            silo.AddOrleansTasks(tasks);
        });
        var silo = siloBuilder.Build();
        await silo.StartAsync();

        var clientBuilder = Host.CreateApplicationBuilder();
        clientBuilder.Logging.SetMinimumLevel(LogLevel.Warning);
        clientBuilder.UseOrleansClient(client =>
        {
            if (connectionString is null)
            {
                client.UseLocalhostClustering(gatewayPort, serviceId, serviceId);
            }
            else
            {
                client.UseOrleansTasksPostgres(connectionString);
                client.Configure<ClusterOptions>(o => (o.ServiceId, o.ClusterId) = (serviceId, serviceId));
            }

            client.AddOrleansTasksClient();
        });
        var client = clientBuilder.Build();
        await client.StartAsync();
        var cluster = new BenchCluster(silo, client, serviceId, gatewayPort);

        // The client connects in the background: wait for it here, not inside the first measured call.
        await cluster.Tasks.Queues.ListAsync();
        return cluster;
    }

    public async ValueTask DisposeAsync()
    {
        await _client.StopAsync();
        await _silo.StopAsync();
        _client.Dispose();
        _silo.Dispose();
    }

    internal static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
