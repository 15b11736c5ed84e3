using Microsoft.Extensions.Options;
using OrleansTasks.Web.Auth;

namespace OrleansTasks.Web.Dashboard;

/// <summary>What every page of one circuit shares: whether the dashboard is open (development mode with no key).</summary>
internal sealed class DashboardState(IOptions<ApiOptions> api)
{
    public bool IsOpen { get; } = api.Value.IsOpen;
}
