using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OrleansTasks.Hosting;

namespace OrleansTasks.Web.Health;

/// <summary>
/// The probe endpoints of a silo's web host, for Kubernetes (or any load balancer), open without a key:
/// <c>/healthz/live</c> (local only: the process answers), <c>/healthz/ready</c> (active in the cluster, the database
/// answers, not draining) and <c>/healthz/startup</c> (the silo has joined the cluster). Each answers 200 or 503 with
/// a plain-text status, one line per check.
/// </summary>
public static class OrleansTasksHealth
{
    /// <summary>The liveness probe's path.</summary>
    public const string LivePath = "/healthz/live";

    /// <summary>The readiness probe's path.</summary>
    public const string ReadyPath = "/healthz/ready";

    /// <summary>The start-up probe's path.</summary>
    public const string StartupPath = "/healthz/startup";

    /// <summary>Maps the three probe endpoints. Needs a silo in the same host (<c>AddOrleansTasksSilo</c>), which registers the checks.</summary>
    public static IEndpointRouteBuilder MapOrleansTasksHealthChecks(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false }).AllowAnonymous().DisableHttpMetrics();
        endpoints.MapHealthChecks(ReadyPath, new HealthCheckOptions { Predicate = c => c.Tags.Contains(HealthTags.Ready), ResponseWriter = WriteAsync })
            .AllowAnonymous().DisableHttpMetrics();
        endpoints.MapHealthChecks(StartupPath, new HealthCheckOptions { Predicate = c => c.Tags.Contains(HealthTags.Startup), ResponseWriter = WriteAsync })
            .AllowAnonymous().DisableHttpMetrics();
        return endpoints;
    }

    /// <summary>The overall status, then one line per check: what a person reading a failed probe needs.</summary>
    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        var lines = report.Entries.Select(e => $"{e.Key}: {e.Value.Status} ({e.Value.Description})");
        return context.Response.WriteAsync(string.Join('\n', lines.Prepend(report.Status.ToString())) + "\n");
    }
}
