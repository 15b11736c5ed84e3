using OrleansTasks.Web.Auth;

namespace OrleansTasks.Web.Waitpoints;

/// <summary>
/// A token's callback URL, which a webhook can POST to without an API key: the token's id and a signature of it
/// (<see cref="UrlSigner"/>), as Trigger.dev makes them.
/// </summary>
internal sealed class CallbackUrls(UrlSigner signer)
{
    public string For(HttpRequest request, string tokenId) =>
        $"{request.Scheme}://{request.Host}{request.PathBase}/api/v1/waitpoints/tokens/{Uri.EscapeDataString(tokenId)}/callback/{signer.Sign("token:" + tokenId)}";

    /// <summary>Whether <paramref name="hash"/> was made for <paramref name="tokenId"/>.</summary>
    public bool Verify(string tokenId, string hash) => signer.Verify("token:" + tokenId, hash);
}
