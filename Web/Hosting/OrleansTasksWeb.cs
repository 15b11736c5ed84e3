using OrleansTasks.Web.Dashboard;
using OrleansTasks.Web.Health;

namespace OrleansTasks.Web.Hosting;

/// <summary>
/// The whole web face in two calls: the HTTP API (<see cref="OrleansTasksApi"/>) and the dashboard
/// (<see cref="OrleansTasksDashboard"/>), on the silo's web host.
/// </summary>
public static class OrleansTasksWeb
{
    /// <summary>Registers the API's and the dashboard's services.</summary>
    public static WebApplicationBuilder AddOrleansTasksWeb(this WebApplicationBuilder builder)
    {
        builder.AddOrleansTasksApi();
        builder.AddOrleansTasksDashboard();
        return builder;
    }

    /// <summary>
    /// Maps the API (under <c>/api</c> and <c>/realtime</c>), the dashboard (under <c>/dashboard</c>) and, when a silo is
    /// co-hosted, the probes (<c>/healthz/live</c>, <c>/healthz/ready</c>, <c>/healthz/startup</c>).
    /// </summary>
    public static WebApplication MapOrleansTasksWeb(this WebApplication app)
    {
        if (app.Services.GetService<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckService>() is not null)
        {
            app.MapOrleansTasksHealthChecks();
        }

        app.MapOrleansTasksApi();
        app.MapOrleansTasksDashboard();
        return app;
    }
}
