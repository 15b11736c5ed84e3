using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using OrleansTasks.Web.Errors;

namespace OrleansTasks.Web.Wire;

/// <summary>Reads a request's JSON body within a size limit; a body past it is a 413, bad JSON a 400 that says where.</summary>
internal static class RequestBodies
{
    /// <summary>The most any API request body may be: a 3 MB payload, its superjson envelope and the options.</summary>
    public const long MaxBody = 4 * 1024 * 1024;

    /// <summary>The body as JSON; <c>default</c> when it is empty and <paramref name="optional"/>.</summary>
    public static async Task<JsonElement> ReadJsonAsync(HttpContext context, bool optional = false)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBody;
        }

        if (context.Request.ContentLength > MaxBody)
        {
            throw new ApiException(StatusCodes.Status413PayloadTooLarge, "payload_too_large",
                $"The request body is {context.Request.ContentLength:N0} bytes; the most this API takes is {MaxBody:N0} (a payload is at most 3 MB).");
        }

        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted).ConfigureAwait(false);
        if (buffer.Length == 0)
        {
            return optional ? default : throw ApiException.BadRequest("The request has no body; it must be a JSON object.");
        }

        buffer.Position = 0;
        using var document = await JsonDocument.ParseAsync(buffer, cancellationToken: context.RequestAborted).ConfigureAwait(false);
        return document.RootElement.Clone();
    }
}
