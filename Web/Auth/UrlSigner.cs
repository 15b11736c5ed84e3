using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace OrleansTasks.Web.Auth;

/// <summary>
/// Signs what goes into a URL that is its own credential (a token's callback URL, a packet's upload URL): an
/// HMAC-SHA256 under a secret key. The first key signs; every configured key verifies, in constant time, so a key can
/// be rotated. (With the API open in development mode there is no key; a fixed development key signs.)
/// </summary>
internal sealed class UrlSigner(IOptions<ApiOptions> options)
{
    private const string DevelopmentKey = "orleans-tasks-development-urls";

    private IEnumerable<string> Keys => options.Value.SecretKeys is { Count: > 0 } keys ? keys : [DevelopmentKey];

    public string Sign(string message) => Hash(Keys.First(), message);

    public bool Verify(string message, string signature)
    {
        var presented = Encoding.ASCII.GetBytes(signature.ToLowerInvariant());
        var valid = false;
        foreach (var key in Keys)
        {
            valid |= CryptographicOperations.FixedTimeEquals(presented, Encoding.ASCII.GetBytes(Hash(key, message)));
        }

        return valid;
    }

    private static string Hash(string key, string message) =>
        Convert.ToHexString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(message))).ToLowerInvariant();
}
