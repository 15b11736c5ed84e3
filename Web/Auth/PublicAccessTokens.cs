namespace OrleansTasks.Web.Auth;

/// <summary>
/// Makes public access tokens for browsers, in a host that serves the API (inject it): Trigger.dev's JWTs, signed with
/// the first configured secret key, with scopes such as <c>read:runs:run_…</c>, <c>read:tags:checkout</c> or
/// <c>trigger:tasks:send-email</c>. Trigger.dev's SDK makes the same tokens itself with <c>auth.createPublicToken</c>.
/// </summary>
public sealed class PublicAccessTokens
{
    /// <summary>How long a token lasts unless told otherwise (Trigger.dev's default).</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromMinutes(15);

    private readonly TokenIssuer _issuer;

    internal PublicAccessTokens(TokenIssuer issuer) => _issuer = issuer;

    /// <summary>A token with <paramref name="scopes"/>, valid for <paramref name="lifetime"/> (15 minutes by default).</summary>
    /// <exception cref="InvalidOperationException">No secret key is configured, so there is nothing to sign with.</exception>
    public string Create(IEnumerable<string> scopes, TimeSpan? lifetime = null) => Sign([.. scopes], lifetime ?? DefaultLifetime, oneTimeUse: false);

    /// <summary>
    /// A token that may trigger <paramref name="taskId"/> (<c>trigger:tasks:…</c>), once unless
    /// <paramref name="multipleUse"/>: a second trigger with a single-use token is refused, across the cluster.
    /// </summary>
    public string CreateTriggerToken(string taskId, bool multipleUse = false, TimeSpan? lifetime = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(taskId);
        return Sign([$"trigger:tasks:{taskId}"], lifetime ?? DefaultLifetime, oneTimeUse: !multipleUse);
    }

    /// <summary>
    /// A token signed with <paramref name="secretKey"/> (one of the silo's <c>OrleansTasks:Api:SecretKeys</c>), for a
    /// service that is not the API's host: it needs only the key, as Trigger.dev's SDK does.
    /// </summary>
    public static string Sign(string secretKey, IEnumerable<string> scopes, TimeSpan? lifetime = null, bool oneTimeUse = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(secretKey);
        ArgumentNullException.ThrowIfNull(scopes);
        var length = lifetime ?? DefaultLifetime;
        if (length <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(lifetime), lifetime, "A token's lifetime must be positive.");
        }

        return TokenIssuer.Sign(secretKey, [.. scopes], length, oneTimeUse, DateTimeOffset.UtcNow);
    }

    private string Sign(IReadOnlyList<string> scopes, TimeSpan lifetime, bool oneTimeUse)
    {
        if (lifetime <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(lifetime), lifetime, "A token's lifetime must be positive.");
        }

        return _issuer.Issue(scopes, lifetime, oneTimeUse)
            ?? throw new InvalidOperationException("Public access tokens are signed with a secret key; configure OrleansTasks:Api:SecretKeys.");
    }
}
