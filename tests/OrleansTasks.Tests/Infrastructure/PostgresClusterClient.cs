using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using OrleansTasks.Hosting;

namespace OrleansTasks.Tests.Infrastructure;

/// <summary>An external Orleans client that finds silo processes through PostgreSQL, as a .NET service would.</summary>
public sealed class PostgresClusterClient : IAsyncDisposable
{
    private readonly IHost _host;

    private PostgresClusterClient(IHost host)
    {
        _host = host;
    }

    public ITaskClient Tasks => _host.Services.GetRequiredService<ITaskClient>();

    public IGrainFactory Grains => _host.Services.GetRequiredService<IClusterClient>();

    /// <summary>
    /// Starts a client; unless <paramref name="waitForSilo"/> is false, also waits until it has connected (it connects in
    /// the background), since tests reach grains directly as well as through <see cref="ITaskClient"/>.
    /// </summary>
    public static async Task<PostgresClusterClient> ConnectAsync(string connectionString, string serviceId, Action<TaskClientOptions>? options = null, bool waitForSilo = true)
    {
        var builder = Host.CreateApplicationBuilder();
        if (options is not null)
        {
            builder.Services.Configure(options);
        }

        builder.UseOrleansClient(client => client
            .UseOrleansTasksPostgres(connectionString)
            .AddOrleansTasksClient()
            .Configure<ClusterOptions>(o =>
            {
                o.ServiceId = serviceId;
                o.ClusterId = serviceId;
            })
            .Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(1))
            .Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(5)));
        var host = builder.Build();
        await host.StartAsync();
        var client = new PostgresClusterClient(host);
        if (waitForSilo)
        {
            await client.Tasks.Queues.ListAsync();
        }

        return client;
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await _host.StopAsync(timeout.Token);
        _host.Dispose();
    }
}
