using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using OrleansTasks.Web.Wire;

namespace OrleansTasks.Web.Auth;

/// <summary>
/// <c>POST /api/v1/auth/jwt/claims</c>: the claims Trigger.dev's SDK puts in the public access tokens it signs itself
/// (<c>auth.createPublicToken</c>) with the secret key. Only a secret key may ask.
/// </summary>
internal static class AuthEndpoints
{
    public static void Map(RouteGroupBuilder api) =>
        api.MapPost("/api/v1/auth/jwt/claims", Claims).WithName("PublicTokenClaims").WithSummary("Claims for a public access token");

    private static JsonHttpResult<TokenClaims> Claims(HttpContext context, IOptions<Orleans.Configuration.ClusterOptions> cluster)
    {
        context.DemandSecretKey("making public access tokens");
        return ApiJson.Ok(new TokenClaims(cluster.Value.ServiceId, Pub: true));
    }
}

/// <summary>The subject (this cluster's service id) and the mark of a public token.</summary>
internal sealed record TokenClaims(string Sub, bool Pub);
