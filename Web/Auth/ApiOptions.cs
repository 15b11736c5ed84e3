namespace OrleansTasks.Web.Auth;

/// <summary>
/// The HTTP API's access settings, from the <c>OrleansTasks:Api</c> section. With no secret key configured the API is
/// open in development mode (no <c>ConnectionStrings:OrleansTasks</c>), and says so loudly at start-up; outside
/// development mode it then refuses every request.
/// </summary>
public sealed class ApiOptions
{
    /// <summary>The configuration section the options are read from.</summary>
    public const string SectionName = "OrleansTasks:Api";

    /// <summary>The shortest secret key accepted: it also signs public access tokens (HMAC-SHA256).</summary>
    public const int MinKeyLength = 32;

    /// <summary>
    /// The secret API keys a service sends as <c>Authorization: Bearer &lt;key&gt;</c>. Several may be valid at once, to
    /// rotate one without downtime; the first also signs the tokens the API hands out, and every one verifies them.
    /// </summary>
    public IList<string> SecretKeys { get; } = [];

    /// <summary>The per-credential rate limit (<c>OrleansTasks:Api:RateLimit</c>).</summary>
    public ApiRateLimitOptions RateLimit { get; set; } = new();

    /// <summary>Set by the host: true when the silo runs in development mode (in memory).</summary>
    internal bool DevelopmentMode { get; set; }

    /// <summary>True when nothing is checked: development mode with no key configured.</summary>
    internal bool IsOpen => DevelopmentMode && SecretKeys.Count == 0;
}
