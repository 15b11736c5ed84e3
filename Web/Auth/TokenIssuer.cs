using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace OrleansTasks.Web.Auth;

/// <summary>
/// Signs public access tokens as Trigger.dev's SDK does (HS256 with the secret key, its issuer and audience), with the
/// first configured key; every configured key verifies them (<see cref="ApiAccess"/>), so a key can be rotated.
/// </summary>
internal sealed class TokenIssuer(IOptions<ApiOptions> options, TimeProvider time)
{
    /// <summary>The read token a trigger's answer carries for its run, as Trigger.dev's server gives one.</summary>
    public static readonly TimeSpan HandleTokenLifetime = TimeSpan.FromHours(1);

    private static readonly JsonWebTokenHandler s_tokens = new();

    /// <summary>A token with <paramref name="scopes"/>, valid for <paramref name="lifetime"/>; null when no key is configured (the SDK then signs its own).</summary>
    public string? Issue(IReadOnlyList<string> scopes, TimeSpan lifetime, bool oneTimeUse = false)
    {
        if (options.Value.SecretKeys is not [var key, ..])
        {
            return null;
        }

        return Sign(key, scopes, lifetime, oneTimeUse, time.GetUtcNow());
    }

    /// <summary>A token signed with <paramref name="secretKey"/>, as Trigger.dev's SDK signs one.</summary>
    public static string Sign(string secretKey, IReadOnlyList<string> scopes, TimeSpan lifetime, bool oneTimeUse, DateTimeOffset at)
    {
        var now = at.UtcDateTime;
        return s_tokens.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = ApiAccess.Issuer,
            Audience = ApiAccess.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + lifetime,
            Claims = oneTimeUse
                ? new Dictionary<string, object> { ["scopes"] = scopes.ToArray(), ["pub"] = true, ["otu"] = true }
                : new Dictionary<string, object> { ["scopes"] = scopes.ToArray(), ["pub"] = true },
            SigningCredentials = new SigningCredentials(ApiAccess.SigningKey(secretKey), SecurityAlgorithms.HmacSha256),
        });
    }
}
