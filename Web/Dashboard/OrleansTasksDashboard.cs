using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Dashboard;
using Orleans.Runtime;
using Orleans.Hosting;
using Microsoft.Extensions.Hosting;
using OrleansTasks.Web.Auth;
using OrleansTasks.Web.Dashboard.Account;

namespace OrleansTasks.Web.Dashboard;

/// <summary>
/// The dashboard: Blazor components rendered on the server and kept live over their circuit, under <c>/dashboard</c>.
/// Signing in takes one of the silo's secret keys (<c>OrleansTasks:Api:SecretKeys</c>) and keeps a cookie session; in
/// development mode with no key configured it is open, and every page says so.
/// </summary>
public static class OrleansTasksDashboard
{
    /// <summary>Where the dashboard lives.</summary>
    public const string BasePath = "/dashboard";

    internal const string Scheme = "OrleansTasks.Dashboard";
    internal const string Policy = "OrleansTasks.Dashboard";

    /// <summary>
    /// Registers the dashboard's services: Razor components with interactive server rendering, the cookie sign-in and
    /// its policy. Needs <see cref="Hosting.OrleansTasksApi.AddOrleansTasksApi"/> (the keys it signs in with).
    /// </summary>
    public static WebApplicationBuilder AddOrleansTasksDashboard(this WebApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);

        // Serves the dashboard's files (and Blazor's script) from the build output too, not only once published.
        builder.WebHost.UseStaticWebAssets();
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddAuthentication()
            .AddCookie(Scheme, cookie =>
            {
                cookie.Cookie.Name = "orleanstasks-dashboard";
                cookie.Cookie.Path = "/";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Strict;
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                cookie.LoginPath = SignInEndpoints.Path;
                cookie.LogoutPath = SignInEndpoints.SignOutPath;
                cookie.ExpireTimeSpan = TimeSpan.FromHours(12);
                cookie.SlidingExpiration = true;
            });
        builder.Services.AddAuthorization();
        builder.Services.AddOptions<AuthorizationOptions>().Configure<IOptions<ApiOptions>>((authorization, api) =>
            authorization.AddPolicy(Policy, policy =>
            {
                policy.AddAuthenticationSchemes(Scheme);
                if (api.Value.IsOpen)
                {
                    policy.RequireAssertion(_ => true);
                }
                else
                {
                    policy.RequireAuthenticatedUser();
                }
            }));
        builder.Services.AddScoped<DashboardState>();

        // The cluster's own dashboard (Microsoft.Orleans.Dashboard: silos, grains, reminders), where a silo is co-hosted.
        if (HostsSilo(builder.Services))
        {
            builder.UseOrleans(silo => silo.AddDashboard(o => o.HideTrace = true));
        }

        return builder;
    }

    /// <summary>Maps the dashboard's pages (under <c>/dashboard</c>), its sign-in and sign-out, and the files they use.</summary>
    public static WebApplication MapOrleansTasksDashboard(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseAntiforgery(); // the pages' forms; after the authentication and authorization the host adds first
        app.MapStaticAssets();
        SignInEndpoints.Map(app);
        app.MapRazorComponents<App>()
            .AddInteractiveServerRenderMode()
            .RequireAuthorization(Policy);
        if (HostsSilo(app.Services))
        {
            app.MapOrleansDashboard(ClusterPath).RequireAuthorization(Policy);
        }

        return app;
    }

    /// <summary>Where the Orleans dashboard is mounted, behind the same sign-in.</summary>
    public const string ClusterPath = BasePath + "/cluster";

    private static bool HostsSilo(IServiceCollection services) => services.Any(d => d.ServiceType == typeof(ILocalSiloDetails));

    private static bool HostsSilo(IServiceProvider services) => services.GetService<ILocalSiloDetails>() is not null;
}
