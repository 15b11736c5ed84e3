using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace OrleansTasks.Hosting;

/// <summary>
/// The defaults a silo host and a client host share, said once so the two always find each other: the Orleans
/// service and cluster ids, the ports, the configuration keys they are read from, and the log levels of Orleans' own
/// chatter.
/// </summary>
internal static class HostDefaults
{
    public const string ConnectionStringName = "OrleansTasks";
    public const string OrleansSection = "Orleans";
    public const string ServiceId = "orleans-tasks";
    public const string ClusterId = "default";
    public const int SiloPort = 11111;
    public const int GatewayPort = 30000;

    /// <summary>Orleans' own default service id, which an OrleansTasks host replaces unless it was set.</summary>
    private const string OrleansDefaultServiceId = "default";

    /// <summary>The connection string that chooses PostgreSQL; null or blank for development mode.</summary>
    public static string? ConnectionString(IConfiguration configuration) => configuration.GetConnectionString(ConnectionStringName);

    /// <summary>The silo-to-silo and gateway ports from the <c>Orleans</c> section, or the defaults.</summary>
    public static (int SiloPort, int GatewayPort) Ports(IConfiguration configuration)
    {
        var orleans = configuration.GetSection(OrleansSection);
        return (orleans.GetValue("SiloPort", SiloPort), orleans.GetValue("GatewayPort", GatewayPort));
    }

    /// <summary>The service and cluster ids from the <c>Orleans</c> section, or the defaults.</summary>
    public static (string ServiceId, string ClusterId) Ids(IConfiguration configuration)
    {
        var orleans = configuration.GetSection(OrleansSection);
        return (orleans.GetValue("ServiceId", ServiceId)!, orleans.GetValue("ClusterId", ClusterId)!);
    }

    /// <summary>
    /// Gives a host that did not choose a service id OrleansTasks' instead of Orleans' <c>default</c>, so a silo and a
    /// client wired by hand find each other's runs in the database, as the configured hosts do.
    /// </summary>
    public static void DefaultServiceId(IServiceCollection services) =>
        services.PostConfigure<ClusterOptions>(o =>
        {
            if (o.ServiceId == OrleansDefaultServiceId)
            {
                o.ServiceId = ServiceId;
            }
        });

    /// <summary>
    /// Orleans, Polly and the framework log at Warning: at Information they write a line per grain placement. Orleans'
    /// watchdog logs at Error: its first check after start-up warns of a "participant check" late by the machine's
    /// uptime, on every start. A category rule matches by prefix, so "Orleans" covers OrleansTasks' own categories too:
    /// they get a rule of their own, at Information. Added ahead of the configuration's rules, so
    /// <c>Logging:LogLevel:Orleans</c> or <c>Logging:LogLevel:OrleansTasks</c> still set them.
    /// </summary>
    public static void QuietFrameworkLogs(IServiceCollection services) =>
        services.PostConfigure<LoggerFilterOptions>(o =>
        {
            foreach (var (category, level) in (ReadOnlySpan<(string, LogLevel)>)[
                ("Orleans", LogLevel.Warning), ("Polly", LogLevel.Warning), ("Microsoft", LogLevel.Warning),
                ("Orleans.Runtime.Watchdog", LogLevel.Error), ("OrleansTasks", LogLevel.Information)])
            {
                o.Rules.Insert(0, new LoggerFilterRule(providerName: null, category, level, filter: null));
            }
        });
}
