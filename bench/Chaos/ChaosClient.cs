using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using OrleansTasks.Hosting;

namespace OrleansTasks.Bench.Chaos;

/// <summary>
/// The orchestrator's Orleans client: it finds the silos through PostgreSQL as a .NET service would, refreshes its
/// gateway list every second and gives up on a call after 5 s, so it notices a killed silo quickly.
/// </summary>
internal sealed class ChaosClient : IAsyncDisposable
{
    private readonly IHost _host;

    private ChaosClient(IHost host)
    {
        _host = host;
    }

    /// <summary>The client's realtime heartbeat: the most a lost update (a silo died with it) may be late.</summary>
    public static readonly TimeSpan RealtimeHeartbeat = TimeSpan.FromSeconds(2);

    public ITaskClient Tasks => _host.Services.GetRequiredService<ITaskClient>();

    public static async Task<ChaosClient> ConnectAsync(string connectionString, string serviceId, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder();

        // Stdout carries the result line; the client's own complaints go to stderr.
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        builder.Services.Configure<TaskClientOptions>(o => o.RealtimeHeartbeat = RealtimeHeartbeat);
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
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            return new ChaosClient(host);
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _host.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The silos may be gone already; there is nothing left to say goodbye to.
        }

        _host.Dispose();
    }
}
