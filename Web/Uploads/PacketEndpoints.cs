using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using OrleansTasks.Auth;
using OrleansTasks.Web.Auth;
using OrleansTasks.Web.Errors;
using OrleansTasks.Web.Wire;

namespace OrleansTasks.Web.Uploads;

/// <summary>
/// Payloads offloaded ahead of their trigger, as Trigger.dev's SDK sends a payload from 128 KiB: it asks for an upload
/// URL (<c>PUT /api/v2/packets/{path}</c>), uploads the packet there (no key: the URL is signed), then triggers with
/// <c>payloadType: application/store</c> and the packet's path as the payload. The packet is kept in grain storage
/// (any silo may serve the trigger) for 30 minutes; still at most 3 MB, like any payload.
/// </summary>
internal static class PacketEndpoints
{
    public const string StoreType = "application/store";

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPut("/api/v2/packets/{**path}", RequestUpload).WithName("RequestPacketUpload").WithSummary("An upload URL for a payload too large to send inline");
        api.MapPut("/api/v1/packets/upload", UploadAsync).WithName("UploadPacket").WithSummary("Upload a packet to its signed URL (no key)")
            .WithMetadata(AnonymousApiEndpoint.Instance);
    }

    private static JsonHttpResult<JsonObject> RequestUpload(string path, HttpContext context, UrlSigner signer)
    {
        var storagePath = Uri.UnescapeDataString(path);
        if (storagePath.Length is 0 or > 512)
        {
            throw ApiException.BadRequest("A packet's path must be 1 to 512 characters.");
        }

        var request = context.Request;
        var url = $"{request.Scheme}://{request.Host}{request.PathBase}/api/v1/packets/upload?path={Uri.EscapeDataString(storagePath)}&signature={signer.Sign("packet:" + storagePath)}";
        return ApiJson.Ok(new JsonObject { ["presignedUrl"] = url, ["storagePath"] = storagePath });
    }

    private static async Task<Ok> UploadAsync(HttpContext context, UrlSigner signer, IGrainFactory grains)
    {
        var path = context.Request.Query["path"].ToString();
        if (path.Length == 0 || !signer.Verify("packet:" + path, context.Request.Query["signature"].ToString()))
        {
            throw new ApiException(StatusCodes.Status401Unauthorized, "unauthorized", "This upload URL is not valid: its signature does not match its path.");
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = RequestBodies.MaxBody;
        }

        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var data = await reader.ReadToEndAsync(context.RequestAborted);
        await grains.Reference<IPacketGrain>(path).PutAsync(data, context.Request.ContentType?.Split(';')[0].Trim() is { Length: > 0 } type ? type : "application/json");
        return TypedResults.Ok();
    }

    /// <summary>
    /// A trigger body (or batch item) whose payload was offloaded, with the uploaded packet put in its place; any other
    /// body as it is.
    /// </summary>
    public static async Task<JsonElement> InlineAsync(JsonElement body, IGrainFactory grains)
    {
        if (JsonFields.String(JsonFields.Property(body, "options"), "payloadType", "options.") != StoreType)
        {
            return body;
        }

        var path = JsonFields.String(body, "payload", "") ?? throw ApiException.BadRequest($"A payload typed {StoreType} is the path of an uploaded packet; 'payload' is missing.");
        var packet = await grains.Reference<IPacketGrain>(path).GetAsync()
            ?? throw ApiException.BadRequest($"No packet was uploaded at '{path}' (or it expired: packets wait 30 minutes for their trigger).");
        var node = JsonObject.Create(body)!;
        node["payload"] = packet.Data;
        node["options"]!["payloadType"] = packet.ContentType;
        return JsonSerializer.SerializeToElement(node);
    }
}
