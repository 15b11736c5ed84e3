using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using OrleansTasks.Hosting;

namespace OrleansTasks.Bench.Chaos;

/// <summary>
/// <c>bench chaos-silo</c>: one silo process of the chaos scenario, hosting the chaos tasks on PostgreSQL. It is
/// configured from environment variables as tests/TestSilo is (<c>ConnectionStrings__OrleansTasks</c>,
/// <c>Orleans__SiloPort</c>, …; <see cref="ChaosSiloProcess"/> sets them), prints <c>READY</c> once started, and
/// shuts down gracefully on SIGTERM (the generic host's console lifetime) or when its stdin reaches its end, which is
/// when the orchestrator that holds the other end of the pipe has died.
/// </summary>
internal static class ChaosSilo
{
    public const string Scenario = "chaos-silo";

    public static async Task RunAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("OrleansTasks", LogLevel.Warning);
        if (Environment.GetEnvironmentVariable("CHAOS_SILO_LOGS") is { Length: > 0 })
        {
            builder.Logging.AddFilter("OrleansTasks.Realtime", LogLevel.Debug);
            builder.Logging.AddFilter("Orleans.Streams", LogLevel.Information);
        }
        var connectionString = builder.Configuration.GetConnectionString("OrleansTasks");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new ArgumentException("chaos-silo is started by 'bench chaos', which sets ConnectionStrings__OrleansTasks; it is not set.");
        }

        // The tasks' own pool for their side effects, apart from the engine's.
        builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        builder.UseOrleans(silo => silo
            .UseOrleansTasksConfiguration(builder.Configuration)
            .AddOrleansTasks(tasks => tasks
                .AddTask<ChaosNoopTask>()
                .AddTask<ChaosWaitTask>()
                .AddTask<ChaosParentTask>()
                .AddTask<ChaosChildTask>()
                .AddTask<ChaosFlakyTask>()
                .AddTask<ChaosScheduledTask>()));

        using var host = builder.Build();
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        lifetime.ApplicationStarted.Register(() => Console.WriteLine("READY"));
        StopAtEndOfInput(lifetime);
        await host.RunAsync().ConfigureAwait(false);
    }

    private static void StopAtEndOfInput(IHostApplicationLifetime lifetime)
    {
        // Console reads block (their async forms too), hence a thread of its own.
        var watcher = new Thread(() =>
        {
            using var input = Console.OpenStandardInput();
            var buffer = new byte[256];
            while (input.Read(buffer) > 0)
            {
            }

            lifetime.StopApplication();
        })
        {
            IsBackground = true,
            Name = "chaos-silo stdin watcher",
        };
        watcher.Start();
    }
}
