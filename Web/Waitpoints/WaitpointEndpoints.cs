using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using OrleansTasks.Web.Auth;
using OrleansTasks.Web.Errors;
using OrleansTasks.Web.Wire;
using static OrleansTasks.Web.Wire.JsonFields;

namespace OrleansTasks.Web.Waitpoints;

/// <summary>
/// Trigger.dev's waitpoint token endpoints: create, complete (with a key or a <c>write:waitpoints</c> token, or through
/// the token's callback URL with neither), retrieve and list.
/// </summary>
internal static class WaitpointEndpoints
{
    /// <summary>How long the write token a created token's answer carries lasts (as the SDK's own fallback makes it).</summary>
    private static readonly TimeSpan s_writeTokenLifetime = TimeSpan.FromHours(24);

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/api/v1/waitpoints/tokens", CreateAsync).WithName("CreateWaitpointToken").WithSummary("Create a waitpoint token");
        api.MapGet("/api/v1/waitpoints/tokens", ListAsync).WithName("ListWaitpointTokens").WithSummary("List waitpoint tokens, newest first");
        api.MapGet("/api/v1/waitpoints/tokens/{tokenId}", RetrieveAsync).WithName("RetrieveWaitpointToken").WithSummary("Retrieve a waitpoint token");
        api.MapPost("/api/v1/waitpoints/tokens/{tokenId}/complete", CompleteAsync).WithName("CompleteWaitpointToken").WithSummary("Complete a waitpoint token");
        api.MapPost("/api/v1/waitpoints/tokens/{tokenId}/callback/{hash}", CallbackAsync).WithName("CompleteWaitpointTokenByCallback")
            .WithSummary("Complete a waitpoint token through its callback URL (no key: the URL is the credential)")
            .WithMetadata(AnonymousApiEndpoint.Instance);
    }

    private static async Task<JsonHttpResult<JsonObject>> CreateAsync(HttpContext context, ITaskClient tasks, TokenIssuer tokens, CallbackUrls callbacks, TimeProvider time)
    {
        var caller = context.Caller();
        caller.Demand(caller.May("write", "waitpoints"), "creating waitpoint tokens");
        var body = await RequestBodies.ReadJsonAsync(context, optional: true);
        var now = time.GetUtcNow();
        var options = new WaitTokenOptions
        {
            IdempotencyKey = String(body, "idempotencyKey", ""),
            IdempotencyKeyTtl = Property(body, "idempotencyKeyTTL") is { ValueKind: not JsonValueKind.Undefined } keyTtl ? Durations.Parse(keyTtl, "idempotencyKeyTTL", secondsAllowed: true) : null,
            Timeout = Property(body, "timeout") is { ValueKind: not JsonValueKind.Undefined } timeout ? Durations.ParseDelay(timeout, "timeout", now) - now : null,
            Tags = Strings(body, "tags", ""),
        };
        var token = await tasks.Waitpoints.CreateTokenAsync(options, context.RequestAborted);
        if (tokens.Issue([$"write:waitpoints:{token.Id}"], s_writeTokenLifetime) is { } jwt)
        {
            context.Response.Headers["x-trigger-jwt"] = jwt;
        }

        return ApiJson.Ok(new JsonObject { ["id"] = token.Id, ["isCached"] = token.IsCached, ["url"] = callbacks.For(context.Request, token.Id) });
    }

    private static async Task<JsonHttpResult<JsonObject>> RetrieveAsync(string tokenId, HttpContext context, ITaskClient tasks, CallbackUrls callbacks)
    {
        var caller = context.Caller();
        caller.Demand(caller.May("read", "waitpoints", tokenId) || caller.May("write", "waitpoints", tokenId), $"reading the token {tokenId}");
        return ApiJson.Ok(Json(await tasks.Waitpoints.RetrieveTokenAsync(tokenId, context.RequestAborted), callbacks.For(context.Request, tokenId), withOutput: true));
    }

    private static async Task<JsonHttpResult<JsonObject>> ListAsync(HttpContext context, ITaskClient tasks, CallbackUrls callbacks, TimeProvider time)
    {
        var caller = context.Caller();
        caller.Demand(caller.May("read", "waitpoints"), "listing waitpoint tokens");
        var query = context.Request.Query;
        var size = QueryFields.PageSize(query, max: 100);
        var page = await tasks.Waitpoints.ListTokensPageAsync(Filter(query, time.GetUtcNow()),
            Cursors.After(query) is { } cursor ? new WaitpointCursor(cursor.CreatedAt, cursor.Id) : null, size, context.RequestAborted);
        var pagination = new JsonObject();
        if (page.Next is { } next)
        {
            pagination["next"] = Cursors.Encode(next.CreatedAt, next.Id);
        }

        return ApiJson.Ok(new JsonObject
        {
            ["data"] = new JsonArray([.. page.Tokens.Select(t => (JsonNode)Json(t, callbacks.For(context.Request, t.Id), withOutput: false))]),
            ["pagination"] = pagination,
        });
    }

    private static async Task<JsonHttpResult<JsonObject>> CompleteAsync(string tokenId, HttpContext context, ITaskClient tasks)
    {
        var caller = context.Caller();
        caller.Demand(caller.May("write", "waitpoints", tokenId), $"completing the token {tokenId}");
        var body = await RequestBodies.ReadJsonAsync(context, optional: true);
        await CompleteOnceAsync(tasks, tokenId, Property(body, "data"), context.RequestAborted);
        return Success();
    }

    private static async Task<JsonHttpResult<JsonObject>> CallbackAsync(string tokenId, string hash, HttpContext context, ITaskClient tasks, CallbackUrls callbacks)
    {
        if (!callbacks.Verify(tokenId, hash))
        {
            throw new ApiException(StatusCodes.Status401Unauthorized, "unauthorized", "This callback URL is not valid for this token: its hash does not match.");
        }

        // The whole body is the token's output; a body that is not JSON completes it with {} (as Trigger.dev does).
        JsonElement body;
        try
        {
            body = await RequestBodies.ReadJsonAsync(context, optional: true);
        }
        catch (JsonException)
        {
            body = default;
        }

        await CompleteOnceAsync(tasks, tokenId, body.ValueKind == JsonValueKind.Undefined ? JsonSerializer.SerializeToElement(new { }) : body, context.RequestAborted);
        return Success();
    }

    /// <summary>Completes the token; one completed already (a webhook delivered twice) is a success too, as in Trigger.dev.</summary>
    private static async Task CompleteOnceAsync(ITaskClient tasks, string tokenId, JsonElement data, CancellationToken cancellationToken)
    {
        try
        {
            await tasks.Waitpoints.CompleteTokenAsync(tokenId, data.ValueKind == JsonValueKind.Undefined ? null : data, cancellationToken);
        }
        catch (WaitpointAlreadyCompletedException)
        {
        }
    }

    private static JsonHttpResult<JsonObject> Success() => ApiJson.Ok(new JsonObject { ["success"] = true });

    private static WaitpointTokenFilter Filter(IQueryCollection query, DateTimeOffset now)
    {
        WaitpointStatus? status = query["filter[status]"].ToString() switch
        {
            "" => null,
            "WAITING" => WaitpointStatus.Waiting,
            "COMPLETED" => WaitpointStatus.Completed,
            "TIMED_OUT" => WaitpointStatus.TimedOut,
            var other => throw ApiException.BadRequest($"'filter[status]' is '{other}'; it must be one of WAITING, COMPLETED or TIMED_OUT (one at a time)."),
        };
        return new WaitpointTokenFilter
        {
            Status = status,
            IdempotencyKey = query["filter[idempotencyKey]"].ToString() is { Length: > 0 } key ? key : null,
            Tags = QueryFields.List(query, "filter[tags]"),
            From = QueryFields.CreatedFrom(query, now),
            To = QueryFields.Millis(query, "filter[createdAt][to]"),
        };
    }

    /// <summary>A token as Trigger.dev shows one; its output is a serialized packet (a string), as the SDK expects.</summary>
    private static JsonObject Json(WaitpointToken token, string url, bool withOutput)
    {
        var json = new JsonObject
        {
            ["id"] = token.Id,
            ["url"] = url,
            ["status"] = token.Status switch
            {
                WaitpointStatus.Completed => "COMPLETED",
                WaitpointStatus.TimedOut => "TIMED_OUT",
                _ => "WAITING",
            },
            ["tags"] = new JsonArray([.. token.Tags.Select(t => (JsonNode)t)]),
            ["createdAt"] = token.CreatedAt,
        };
        Optional(json, "completedAt", token.CompletedAt);
        Optional(json, "timeoutAt", token.TimeoutAt);
        Optional(json, "idempotencyKeyExpiresAt", token.IdempotencyKeyExpiresAt);
        if (token.IdempotencyKey is { } key)
        {
            json["idempotencyKey"] = key;
        }

        if (withOutput && token.Status == WaitpointStatus.TimedOut)
        {
            json["output"] = """{"message":"Timed out"}""";
            json["outputType"] = "application/json";
            json["outputIsError"] = true;
        }
        else if (withOutput && token.OutputJson is { } output)
        {
            json["output"] = output;
            json["outputType"] = "application/json";
            json["outputIsError"] = false;
        }

        return json;
    }

    private static void Optional(JsonObject json, string name, DateTimeOffset? value)
    {
        if (value is { } at)
        {
            json[name] = at;
        }
    }
}
