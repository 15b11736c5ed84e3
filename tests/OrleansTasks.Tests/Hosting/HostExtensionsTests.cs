using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansTasks.Hosting;
using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Hosting;

/// <summary>
/// A silo host made with <c>AddOrleansTasksSilo</c> and a service made with <c>AddOrleansTasksClient</c>, from the same
/// configuration, find each other: in development mode and on PostgreSQL.
/// </summary>
public sealed class HostExtensionsTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task SiloAndClientHosts_InDevelopmentMode_RunATask()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Orleans:SiloPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans:GatewayPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

        await RunEchoAsync(settings);
    }

    [Fact]
    public async Task SiloAndClientHosts_OnPostgres_RunATask_UnderTheDefaultServiceId()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:OrleansTasks"] = database.ConnectionString,
            ["Orleans:SiloPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans:GatewayPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };

        var serviceId = await RunEchoAsync(settings);

        Assert.Equal("orleans-tasks", serviceId);
    }

    [Fact]
    public void UseOrleansTasksPostgres_WithNoServiceIdSet_UsesOrleansTasksDefault_AndKeepsOneThatWasSet()
    {
        static string ServiceIdOf(Action<ISiloBuilder> wire)
        {
            var builder = Host.CreateApplicationBuilder();
            builder.UseOrleans(wire);
            using var host = builder.Build();
            return host.Services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId;
        }

        const string connectionString = "Host=127.0.0.1;Port=1;Username=nobody;Database=none";

        Assert.Equal("orleans-tasks", ServiceIdOf(silo => silo.UseOrleansTasksPostgres(connectionString)));
        Assert.Equal("mine", ServiceIdOf(silo => silo.Configure<ClusterOptions>(o => o.ServiceId = "mine").UseOrleansTasksPostgres(connectionString)));
        Assert.Equal("mine", ServiceIdOf(silo => silo.UseOrleansTasksPostgres(connectionString).Configure<ClusterOptions>(o => o.ServiceId = "mine")));
    }

    [Fact]
    public void AddOrleansTasksSilo_KeepsOrleansLogsAtWarning_UnlessConfigurationTurnsThemUp()
    {
        static bool InformationLogged(string category, Dictionary<string, string?> settings)
        {
            var builder = Host.CreateApplicationBuilder();
            builder.Configuration.AddInMemoryCollection(settings);
            builder.AddOrleansTasksSilo();
            using var host = builder.Build();
            return host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(category).IsEnabled(LogLevel.Information);
        }

        Assert.False(InformationLogged("Orleans.Runtime.Catalog", []));
        Assert.True(InformationLogged("Orleans.Runtime.Catalog", new() { ["Logging:LogLevel:Orleans"] = "Information" }));

        // "Orleans" is a prefix of OrleansTasks' own categories, which stay at Information unless configured.
        Assert.True(InformationLogged("OrleansTasks.Hosting.StartupSummary", []));
        Assert.False(InformationLogged("OrleansTasks.Hosting.StartupSummary", new() { ["Logging:LogLevel:OrleansTasks"] = "Warning" }));
    }

    [Fact]
    public async Task RunOrleansTasksAsync_ConfigurationMistakeAtStartUp_EndsWithExitCodeOne()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Orleans:SiloPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans:GatewayPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        builder.AddOrleansTasksSilo(tasks => tasks.AddTask<SameIdOne>().AddTask<SameIdTwo>());
        using var host = builder.Build();

        var exitCode = await host.RunOrleansTasksAsync().WaitAsync(s_timeout);

        Assert.Equal(1, exitCode);
    }

    [Fact]
    public void InvalidConfigurationException_PrintsItsMessageWithoutAStackTrace()
    {
        try
        {
            throw new InvalidConfigurationException("Queue.ConcurrencyLimit is -1.");
        }
        catch (InvalidConfigurationException exception)
        {
            Assert.Equal("OrleansTasks.InvalidConfigurationException: Queue.ConcurrencyLimit is -1.", exception.ToString());
        }
    }

    private sealed class SameIdOne : TaskDefinition<EmptyPayload, int>
    {
        public override string Id => "same-id";

        public override Task<int> RunAsync(EmptyPayload payload, TaskContext context, CancellationToken cancellationToken) => Task.FromResult(1);
    }

    private sealed class SameIdTwo : TaskDefinition<EmptyPayload, int>
    {
        public override string Id => "same-id";

        public override Task<int> RunAsync(EmptyPayload payload, TaskContext context, CancellationToken cancellationToken) => Task.FromResult(2);
    }

    /// <summary>Starts a silo host and a client host from <paramref name="settings"/>, runs the echo task, and returns the silo's service id.</summary>
    private static async Task<string> RunEchoAsync(Dictionary<string, string?> settings)
    {
        var siloBuilder = Host.CreateApplicationBuilder();
        siloBuilder.Configuration.AddInMemoryCollection(settings);
        siloBuilder.AddOrleansTasksSilo(tasks => tasks.AddTask<EchoTask>());
        using var silo = siloBuilder.Build();
        await silo.StartAsync();
        try
        {
            var clientBuilder = Host.CreateApplicationBuilder();
            clientBuilder.Configuration.AddInMemoryCollection(settings);
            clientBuilder.AddOrleansTasksClient();
            using var client = clientBuilder.Build();
            await client.StartAsync();
            try
            {
                var tasks = client.Services.GetRequiredService<ITaskClient>();
                var handle = await tasks.For<EchoTask>().TriggerAsync(new EchoPayload(7));
                var run = await tasks.Runs.PollAsync(handle).Within(s_timeout, "the run triggered through the client host");

                Assert.Equal(7, run.Output!.Value);
            }
            finally
            {
                await client.StopAsync();
            }

            return silo.Services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId;
        }
        finally
        {
            await silo.StopAsync();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
