using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using OrleansTasks.Web.Auth;
using OrleansTasks.Web.Errors;
using OrleansTasks.Web.Wire;
using static OrleansTasks.Web.Wire.JsonFields;

namespace OrleansTasks.Web.Queues;

/// <summary>
/// Trigger.dev's queues endpoints (<c>/api/v1/queues</c>); a secret key only. A queue is named in the path by its id
/// (<c>queue_</c> and its name) or, with <c>?type=task</c> or <c>custom</c>, by its name; the SDK encodes a <c>/</c>
/// in a name twice (<c>%252F</c>).
/// </summary>
internal static class QueueEndpoints
{
    private const string IdPrefix = "queue_";

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/api/v1/queues", ListAsync).WithName("ListQueues").WithSummary("List queues, a page at a time");
        api.MapGet("/api/v1/queues/{queue}", RetrieveAsync).WithName("RetrieveQueue").WithSummary("Retrieve a queue");
        api.MapPost("/api/v1/queues/{queue}/pause", PauseAsync).WithName("PauseQueue").WithSummary("Pause or resume a queue");
        api.MapPost("/api/v1/queues/{queue}/concurrency/override", OverrideAsync).WithName("OverrideQueueConcurrency").WithSummary("Override a queue's concurrency limit");
        api.MapPost("/api/v1/queues/{queue}/concurrency/reset", ResetAsync).WithName("ResetQueueConcurrency").WithSummary("Go back to a queue's own concurrency limit");
    }

    private static async Task<JsonHttpResult<JsonObject>> ListAsync(HttpContext context, ITaskClient tasks)
    {
        context.DemandSecretKey("queues");
        var page = QueryFields.Number(context.Request.Query, "page", 1, int.MaxValue, 1);
        var perPage = QueryFields.Number(context.Request.Query, "perPage", 1, 100, 20);
        var all = (await tasks.Queues.ListAsync(context.RequestAborted)).OrderBy(q => q.Name, StringComparer.Ordinal).ToList();
        var totalPages = Math.Max(1, (all.Count + perPage - 1) / perPage);
        return ApiJson.Ok(new JsonObject
        {
            ["data"] = new JsonArray([.. all.Skip((page - 1) * perPage).Take(perPage).Select(q => (JsonNode)Json(q, "custom"))]),
            ["pagination"] = new JsonObject { ["currentPage"] = page, ["totalPages"] = totalPages, ["count"] = all.Count },
        });
    }

    private static async Task<JsonHttpResult<JsonObject>> RetrieveAsync(string queue, HttpContext context, ITaskClient tasks)
    {
        context.DemandSecretKey("queues");
        var (name, type) = Name(queue, context.Request.Query["type"].ToString());
        return ApiJson.Ok(Json(await tasks.Queues.RetrieveAsync(name, context.RequestAborted), type));
    }

    private static async Task<JsonHttpResult<JsonObject>> PauseAsync(string queue, HttpContext context, ITaskClient tasks)
    {
        context.DemandSecretKey("queues");
        var body = await RequestBodies.ReadJsonAsync(context);
        var (name, type) = Name(queue, String(body, "type", ""));
        var info = String(body, "action", "") switch
        {
            "pause" => await tasks.Queues.PauseAsync(name, context.RequestAborted),
            "resume" => await tasks.Queues.ResumeAsync(name, context.RequestAborted),
            var other => throw ApiException.BadRequest($"'action' is '{other}'; it must be \"pause\" or \"resume\"."),
        };
        return ApiJson.Ok(Json(info, type));
    }

    private static async Task<JsonHttpResult<JsonObject>> OverrideAsync(string queue, HttpContext context, ITaskClient tasks)
    {
        context.DemandSecretKey("queues");
        var body = await RequestBodies.ReadJsonAsync(context);
        var (name, type) = Name(queue, String(body, "type", ""));
        var limit = Int(body, "concurrencyLimit", "") ?? throw ApiException.BadRequest("'concurrencyLimit' is required: the limit to hold the queue to.");
        return ApiJson.Ok(Json(await tasks.Queues.OverrideConcurrencyLimitAsync(name, limit, context.RequestAborted), type));
    }

    private static async Task<JsonHttpResult<JsonObject>> ResetAsync(string queue, HttpContext context, ITaskClient tasks)
    {
        context.DemandSecretKey("queues");
        var body = await RequestBodies.ReadJsonAsync(context, optional: true);
        var (name, type) = Name(queue, String(body, "type", ""));
        return ApiJson.Ok(Json(await tasks.Queues.ResetConcurrencyLimitAsync(name, context.RequestAborted), type));
    }

    /// <summary>A queue as Trigger.dev shows one (its "V1" shape, which carries the override).</summary>
    public static JsonObject Json(QueueInfo queue, string type) => new()
    {
        ["id"] = IdPrefix + queue.Name,
        ["name"] = queue.Name,
        ["type"] = type,
        ["running"] = queue.Running,
        ["queued"] = queue.Queued,
        ["paused"] = queue.Paused,
        ["concurrencyLimit"] = queue.ConcurrencyLimit,
        ["concurrency"] = new JsonObject
        {
            ["current"] = queue.ConcurrencyLimit,
            ["base"] = queue.BaseConcurrencyLimit,
            ["override"] = queue.OverriddenConcurrencyLimit,
            ["overriddenAt"] = queue.OverriddenAt,
            ["overriddenBy"] = null,
        },
    };

    private static (string Name, string Type) Name(string segment, string? type)
    {
        var value = segment.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
        return type switch
        {
            null or "" or "id" => (value.StartsWith(IdPrefix, StringComparison.Ordinal) ? value[IdPrefix.Length..] : value, "custom"),
            "task" or "custom" => (value, type),
            _ => throw ApiException.BadRequest($"'type' is '{type}'; it must be id, task or custom."),
        };
    }
}
