using Microsoft.Extensions.Hosting;

namespace OrleansTasks.Hosting;

/// <summary>An OrleansTasks silo host in one call, as the bundled silo and the <c>dotnet new orleanstasks</c> template make it.</summary>
public static class SiloHostExtensions
{
    /// <summary>
    /// Makes this host an OrleansTasks silo configured from <see cref="IHostApplicationBuilder.Configuration"/>, as the
    /// bundled silo is: <c>ConnectionStrings:OrleansTasks</c> chooses PostgreSQL (absent or empty: development mode, in
    /// memory); the <c>Orleans</c> section sets the service and cluster ids (default <c>orleans-tasks</c> and
    /// <c>default</c>), the ports (11111 and 30000) and the advertised address (default loopback); the
    /// <c>OrleansTasks</c> section sets the engine's options. Orleans' own logs are kept at Warning unless the
    /// configuration's <c>Logging</c> section says otherwise. Tasks are registered through <paramref name="configure"/>.
    /// </summary>
    /// <param name="builder">The host, e.g. <c>Host.CreateApplicationBuilder(args)</c> or <c>WebApplication.CreateBuilder(args)</c>.</param>
    /// <param name="configure">Registers tasks, shared queues, global hooks and middleware.</param>
    /// <returns>The host builder.</returns>
    public static IHostApplicationBuilder AddOrleansTasksSilo(this IHostApplicationBuilder builder, Action<OrleansTasksBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseOrleans(silo => silo
            .UseOrleansTasksConfiguration(builder.Configuration)
            .AddOrleansTasks(configure));
        HostDefaults.QuietFrameworkLogs(builder.Services);
        return builder;
    }
}
