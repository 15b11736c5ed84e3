using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using OrleansTasks.Web.Errors;

namespace OrleansTasks.Web.Auth;

/// <summary>
/// Lets a request through only with a valid credential in <c>Authorization: Bearer</c>: a secret key (compared in
/// constant time with each configured key) or a public access token (a JWT signed HS256 with one of the keys, as
/// Trigger.dev's SDK signs them, unexpired, for Trigger.dev's issuer and audience). What the credential may do is
/// checked by each endpoint against the <see cref="ApiCaller"/> this puts on the request.
/// </summary>
internal sealed class ApiAccess(IOptions<ApiOptions> options, ApiRateLimit rateLimit) : IEndpointFilter
{
    public const string Issuer = "https://id.trigger.dev";
    public const string Audience = "https://api.trigger.dev";

    private static readonly JsonWebTokenHandler s_tokens = new() { MapInboundClaims = false };

    private readonly ApiOptions _options = options.Value;
    private readonly byte[][] _keyHashes = [.. options.Value.SecretKeys.Select(Hash)];
    private readonly TokenValidationParameters _validation = new()
    {
        ValidIssuer = Issuer,
        ValidAudience = Audience,
        ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
        IssuerSigningKeys = [.. options.Value.SecretKeys.Select(SigningKey)],
        ClockSkew = TimeSpan.FromSeconds(30),
        RequireExpirationTime = true,
    };

    public static SymmetricSecurityKey SigningKey(string secretKey) => new(Encoding.UTF8.GetBytes(secretKey));

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        rateLimit.Take(http);
        if (_options.IsOpen)
        {
            http.Items[typeof(ApiCaller)] = ApiCaller.WithSecretKey;
            return await next(context).ConfigureAwait(false);
        }

        if (http.GetEndpoint()?.Metadata.GetMetadata<AnonymousApiEndpoint>() is not null)
        {
            http.Items[typeof(ApiCaller)] = ApiCaller.WithScopes([]);
            return await next(context).ConfigureAwait(false);
        }

        var header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= "Bearer ".Length)
        {
            throw new ApiException(StatusCodes.Status401Unauthorized, "unauthorized",
                "Send a secret API key or a public access token as 'Authorization: Bearer <key or token>'.");
        }

        var credential = header["Bearer ".Length..].Trim();
        http.Items[typeof(ApiCaller)] = await IdentifyAsync(credential).ConfigureAwait(false)
            ?? throw new ApiException(StatusCodes.Status401Unauthorized, "unauthorized",
                "The API key or public access token is not valid: unknown, expired, or not signed with a configured key.");
        return await next(context).ConfigureAwait(false);
    }

    private async Task<ApiCaller?> IdentifyAsync(string credential)
    {
        if (_keyHashes.Length == 0)
        {
            return null;
        }

        var presented = Hash(credential);
        if (Matches(presented))
        {
            return ApiCaller.WithSecretKey;
        }

        if (credential.Count(c => c == '.') != 2)
        {
            return null;
        }

        var result = await s_tokens.ValidateTokenAsync(credential, _validation).ConfigureAwait(false);
        if (!result.IsValid || result.SecurityToken is not JsonWebToken token)
        {
            return null;
        }

        var oneTime = token.TryGetPayloadValue<bool>("otu", out var otu) && otu;
        return ApiCaller.WithScopes(token.TryGetPayloadValue<List<string>>("scopes", out var scopes) ? scopes : [],
            oneTime ? Convert.ToHexString(presented) : null);
    }

    /// <summary>Whether <paramref name="credential"/> is one of the configured secret keys (the dashboard's sign-in asks).</summary>
    public bool IsSecretKey(string credential) => Matches(Hash(credential));

    /// <summary>Hashing first makes every comparison the same length, so timing reveals nothing about a key.</summary>
    private bool Matches(byte[] presented)
    {
        var matched = false;
        foreach (var key in _keyHashes)
        {
            matched |= CryptographicOperations.FixedTimeEquals(presented, key);
        }

        return matched;
    }

    private static byte[] Hash(string value) => SHA256.HashData(Encoding.UTF8.GetBytes(value));
}

/// <summary>Marks an endpoint that needs no credential (the time zones; a token's callback URL, which is its own credential).</summary>
internal sealed class AnonymousApiEndpoint
{
    public static AnonymousApiEndpoint Instance { get; } = new();
}
