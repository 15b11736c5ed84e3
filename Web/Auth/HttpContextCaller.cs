using OrleansTasks.Web.Errors;

namespace OrleansTasks.Web.Auth;

internal static class HttpContextCaller
{
    /// <summary>The caller <see cref="ApiAccess"/> identified.</summary>
    public static ApiCaller Caller(this HttpContext context) =>
        context.Items[typeof(ApiCaller)] as ApiCaller ?? throw new InvalidOperationException("The API's access filter did not run for this endpoint.");

    /// <summary>Refuses the request (403) unless it came with a secret key; <paramref name="what"/> says what needs one.</summary>
    public static void DemandSecretKey(this HttpContext context, string what)
    {
        var caller = context.Caller();
        caller.Demand(caller.HasSecretKey, $"{what} (it takes a secret key)");
    }

    /// <summary>Refuses the request (403) unless <paramref name="allowed"/>; <paramref name="what"/> says what was refused.</summary>
    public static void Demand(this ApiCaller caller, bool allowed, string what)
    {
        if (!allowed)
        {
            throw new ApiException(StatusCodes.Status403Forbidden, "forbidden", $"This public access token's scopes do not allow {what}.");
        }
    }
}
