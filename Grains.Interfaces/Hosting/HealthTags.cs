namespace OrleansTasks.Hosting;

/// <summary>
/// The tags of a silo's health checks, said once for the silo that registers the checks (<c>SiloHealthChecks</c>) and
/// the web host that maps the probes on them (<c>MapOrleansTasksHealthChecks</c>).
/// </summary>
internal static class HealthTags
{
    /// <summary>The checks readiness runs.</summary>
    public const string Ready = "ready";

    /// <summary>The checks the start-up probe runs.</summary>
    public const string Startup = "startup";
}
