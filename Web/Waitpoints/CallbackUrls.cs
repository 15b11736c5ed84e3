using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using OrleansTasks.Web.Auth;

namespace OrleansTasks.Web.Waitpoints;

/// <summary>
/// A token's callback URL, which a webhook can POST to without an API key: the token's id and an HMAC-SHA256 of it
/// under a secret key, as Trigger.dev makes them. The first key signs; every configured key verifies, so a key can be
/// rotated. (With the API open in development mode there is no key; a fixed development key signs.)
/// </summary>
internal sealed class CallbackUrls(IOptions<ApiOptions> options)
{
    private const string DevelopmentKey = "orleans-tasks-development-callbacks";

    private IEnumerable<string> Keys => options.Value.SecretKeys is { Count: > 0 } keys ? keys : [DevelopmentKey];

    public string For(HttpRequest request, string tokenId) =>
        $"{request.Scheme}://{request.Host}{request.PathBase}/api/v1/waitpoints/tokens/{Uri.EscapeDataString(tokenId)}/callback/{Hash(Keys.First(), tokenId)}";

    /// <summary>Whether <paramref name="hash"/> was made for <paramref name="tokenId"/> by one of the keys (compared in constant time).</summary>
    public bool Verify(string tokenId, string hash)
    {
        var presented = Encoding.ASCII.GetBytes(hash.ToLowerInvariant());
        var valid = false;
        foreach (var key in Keys)
        {
            valid |= CryptographicOperations.FixedTimeEquals(presented, Encoding.ASCII.GetBytes(Hash(key, tokenId)));
        }

        return valid;
    }

    private static string Hash(string key, string tokenId) =>
        Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(tokenId))).ToLowerInvariant();
}
