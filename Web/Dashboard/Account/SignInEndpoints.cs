using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using OrleansTasks.Web.Auth;

namespace OrleansTasks.Web.Dashboard.Account;

/// <summary>
/// The dashboard's sign-in: a plain form (it must work before any circuit exists) that takes a secret key, checks it
/// against the configured keys in constant time, and starts a cookie session; and the sign-out that ends it.
/// </summary>
internal static class SignInEndpoints
{
    public const string Path = OrleansTasksDashboard.BasePath + "/signin";
    public const string SignOutPath = OrleansTasksDashboard.BasePath + "/signout";

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Path, (HttpContext http, IAntiforgery antiforgery, IOptions<ApiOptions> api, string? returnUrl, string? error) =>
            Results.Content(Page(antiforgery.GetAndStoreTokens(http), api.Value, SafeReturn(returnUrl), error is not null), "text/html; charset=utf-8"))
            .ExcludeFromDescription();

        endpoints.MapPost(Path, async (HttpContext http, IAntiforgery antiforgery, ApiAccess access) =>
        {
            if (!await antiforgery.IsRequestValidAsync(http))
            {
                return Results.BadRequest("The sign-in form expired; load it again.");
            }

            var form = await http.Request.ReadFormAsync();
            var returnUrl = SafeReturn(form["returnUrl"]);
            if (!access.IsSecretKey(form["key"].ToString().Trim()))
            {
                return Results.Redirect($"{Path}?error=1&returnUrl={Uri.EscapeDataString(returnUrl)}");
            }

            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "secret key")], OrleansTasksDashboard.Scheme);
            await http.SignInAsync(OrleansTasksDashboard.Scheme, new ClaimsPrincipal(identity));
            return Results.Redirect(returnUrl);
        }).DisableAntiforgery().ExcludeFromDescription();

        endpoints.MapPost(SignOutPath, async (HttpContext http, IAntiforgery antiforgery) =>
        {
            if (await antiforgery.IsRequestValidAsync(http))
            {
                await http.SignOutAsync(OrleansTasksDashboard.Scheme);
            }

            return Results.Redirect(Path);
        }).DisableAntiforgery().ExcludeFromDescription();
    }

    /// <summary>Only a path within the dashboard: a sign-in never sends anyone elsewhere.</summary>
    private static string SafeReturn(string? returnUrl) =>
        returnUrl is { Length: > 0 } url && url.StartsWith(OrleansTasksDashboard.BasePath, StringComparison.Ordinal) && !url.StartsWith("//", StringComparison.Ordinal)
            ? url
            : OrleansTasksDashboard.BasePath;

    private static string Page(AntiforgeryTokenSet tokens, ApiOptions api, string returnUrl, bool failed)
    {
        var message = failed
            ? """<p class="error" role="alert">That key is not one of this silo's secret keys.</p>"""
            : api.SecretKeys.Count == 0
                ? """<p class="error" role="alert">No secret key is configured (OrleansTasks:Api:SecretKeys), so no one can sign in.</p>"""
                : "";
        return $$"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
              <meta charset="utf-8" />
              <meta name="viewport" content="width=device-width, initial-scale=1" />
              <title>Sign in · OrleansTasks</title>
              <link rel="icon" type="image/svg+xml" href="/_content/OrleansTasks.Web/favicon.svg" />
              <link rel="stylesheet" href="/_content/OrleansTasks.Web/dashboard.css" />
            </head>
            <body class="signin">
              <main>
                <h1>OrleansTasks</h1>
                <form method="post" action="{{Path}}">
                  <input type="hidden" name="{{WebUtility.HtmlEncode(tokens.FormFieldName)}}" value="{{WebUtility.HtmlEncode(tokens.RequestToken)}}" />
                  <input type="hidden" name="returnUrl" value="{{WebUtility.HtmlEncode(returnUrl)}}" />
                  <label for="key">Secret API key</label>
                  <input id="key" name="key" type="password" autocomplete="current-password" required autofocus />
                  {{message}}
                  <button type="submit">Sign in</button>
                </form>
              </main>
            </body>
            </html>
            """;
    }
}
