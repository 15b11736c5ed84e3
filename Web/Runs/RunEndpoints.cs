using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using OrleansTasks.Listing;
using OrleansTasks.Web.Auth;
using OrleansTasks.Web.Errors;
using OrleansTasks.Web.Tasks;
using OrleansTasks.Web.Wire;

namespace OrleansTasks.Web.Runs;

/// <summary>Trigger.dev's run endpoints: retrieve, list, cancel, replay, reschedule, and a run's metadata.</summary>
internal static class RunEndpoints
{
    /// <summary>The most runs one page of a listing holds (Trigger.dev's bound).</summary>
    public const int MaxPageSize = 100;

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/api/v3/runs/{runId}", RetrieveAsync).WithName("RetrieveRun").WithSummary("Retrieve a run");
        api.MapGet("/api/v1/runs", ListAsync).WithName("ListRuns").WithSummary("List runs, newest first, a page at a time");
        api.MapPost("/api/v2/runs/{runId}/cancel", CancelAsync).WithName("CancelRun").WithSummary("Cancel a run");
        api.MapPost("/api/v1/runs/{runId}/replay", ReplayAsync).WithName("ReplayRun").WithSummary("Replay a run as a new run");
        api.MapPost("/api/v1/runs/{runId}/reschedule", RescheduleAsync).WithName("RescheduleRun").WithSummary("Move a delayed run's start");
        api.MapPost("/api/v1/runs/{runId}/tags", AddTagsAsync).WithName("AddRunTags").WithSummary("Add tags to a run");
        api.MapGet("/api/v1/runs/{runId}/metadata", GetMetadataAsync).WithName("GetRunMetadata").WithSummary("A run's metadata");
        api.MapPut("/api/v1/runs/{runId}/metadata", UpdateMetadataAsync).WithName("UpdateRunMetadata").WithSummary("Replace a run's metadata");
    }

    private static async Task<JsonHttpResult<JsonObject>> RetrieveAsync(string runId, HttpContext context, ITaskClient tasks) =>
        ApiJson.Ok(RunJson.Retrieve(await context.ReadableRunAsync(tasks, runId)));

    private static async Task<JsonHttpResult<JsonObject>> ListAsync(HttpContext context, ITaskClient tasks, TimeProvider time)
    {
        var query = context.Request.Query;
        var filter = ListQuery.Filter(query, time.GetUtcNow());
        var caller = context.Caller();
        caller.Demand(caller.May("read", "runs") || (filter.Tags is { Count: > 0 } tags && tags.All(t => caller.May("read", "tags", t)))
            || (filter.TaskIds is { Count: > 0 } taskIds && taskIds.All(t => caller.May("read", "tasks", t)))
            || (filter.BatchId is { } batch && caller.May("read", "batch", batch)), "listing these runs (filter by the tags, tasks or batch it may read)");

        var after = Cursors.After(query) is { } cursor ? new RunCursor(cursor.CreatedAt, cursor.Id) : null;
        var page = await tasks.Runs.ListPageAsync(filter, after, context.RequestAborted);
        var pagination = new JsonObject();
        if (page.Next is { } next)
        {
            pagination["next"] = Cursors.Encode(next.CreatedAt, next.Id);
        }

        return ApiJson.Ok(new JsonObject
        {
            ["data"] = new JsonArray([.. page.Runs.Select(r => (JsonNode)RunJson.Item(r))]),
            ["pagination"] = pagination,
        });
    }

    private static async Task<JsonHttpResult<RunIdResponse>> CancelAsync(string runId, HttpContext context, ITaskClient tasks)
    {
        var caller = context.Caller();
        caller.Demand(caller.May("write", "runs", runId), $"cancelling the run {runId}");
        await tasks.Runs.CancelAsync(runId, context.RequestAborted);
        return ApiJson.Ok(new RunIdResponse(runId));
    }

    private static async Task<JsonHttpResult<RunIdResponse>> ReplayAsync(string runId, HttpContext context, ITaskClient tasks, TimeProvider time)
    {
        context.DemandSecretKey("replaying runs");
        var body = await RequestBodies.ReadJsonAsync(context, optional: true);
        string? payloadJson = null;
        TriggerOptions? options = null;
        if (body.ValueKind == JsonValueKind.Object)
        {
            // A replay's body is a trigger's options at its top level, the payload among them.
            payloadJson = body.TryGetProperty("payload", out var payload) ? TriggerRequestReader.ReadPayload(payload, body, "") : null;
            options = TriggerRequestReader.ReadOptions(body, time.GetUtcNow(), "");
        }

        else if (body.ValueKind != JsonValueKind.Undefined)
        {
            throw ApiException.BadRequest("A replay's body, when there is one, must be a JSON object of options.");
        }

        var handle = await tasks.Runs.ReplayAsync(runId, payloadJson, options, context.RequestAborted);
        return ApiJson.Ok(new RunIdResponse(handle.Id));
    }

    private static async Task<JsonHttpResult<JsonObject>> RescheduleAsync(string runId, HttpContext context, ITaskClient tasks, TimeProvider time)
    {
        var caller = context.Caller();
        caller.Demand(caller.May("write", "runs", runId), $"rescheduling the run {runId}");
        var body = await RequestBodies.ReadJsonAsync(context);
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("delay", out var delay))
        {
            throw ApiException.BadRequest("A reschedule needs 'delay': a duration such as \"10m\", or an ISO 8601 date.");
        }

        var run = await tasks.Runs.RescheduleAsync(runId, Durations.ParseDelay(delay, "delay", time.GetUtcNow()), context.RequestAborted);
        return ApiJson.Ok(RunJson.Retrieve(run));
    }

    private static async Task<JsonHttpResult<JsonObject>> AddTagsAsync(string runId, HttpContext context, ITaskClient tasks)
    {
        var caller = context.Caller();
        caller.Demand(caller.May("write", "runs", runId), $"tagging the run {runId}");
        var tags = JsonFields.Strings(await RequestBodies.ReadJsonAsync(context), "tags", "")
            ?? throw ApiException.BadRequest("'tags' is required: a tag, or an array of tags.");
        try
        {
            var added = await tasks.Runs.AddTagsAsync(runId, tags, context.RequestAborted);
            return ApiJson.Ok(new JsonObject { ["message"] = added == 0 ? "No new tags to add" : $"Successfully set {added} new tags." });
        }
        catch (InvalidRequestException exception)
        {
            // Trigger.dev answers a tag limit with 422, which its SDK's tags.add expects.
            throw new ApiException(StatusCodes.Status422UnprocessableEntity, exception.Code, exception.Message);
        }
    }

    private static async Task<JsonHttpResult<JsonObject>> GetMetadataAsync(string runId, HttpContext context, ITaskClient tasks)
    {
        var run = await context.ReadableRunAsync(tasks, runId);
        return ApiJson.Ok(new JsonObject { ["metadata"] = JsonNode.Parse(run.MetadataJson ?? "{}") });
    }

    private static async Task<JsonHttpResult<JsonObject>> UpdateMetadataAsync(string runId, HttpContext context, ITaskClient tasks)
    {
        var caller = context.Caller();
        caller.Demand(caller.May("write", "runs", runId), $"changing the metadata of the run {runId}");
        var body = await RequestBodies.ReadJsonAsync(context);
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("metadata", out var metadata) || metadata.ValueKind != JsonValueKind.Object)
        {
            throw ApiException.BadRequest("A metadata update needs 'metadata': a JSON object, which replaces the run's metadata. (Operations such as increment or append are made from inside a run.)");
        }

        var run = await tasks.Runs.UpdateMetadataAsync(runId, metadata, context.RequestAborted);
        return ApiJson.Ok(new JsonObject { ["metadata"] = JsonNode.Parse(run.MetadataJson ?? "{}") });
    }
}

/// <summary>An answer that names a run.</summary>
internal sealed record RunIdResponse(string Id);

/// <summary>Reads a listing's <c>filter[…]</c> and <c>page[size]</c> query parameters into a <see cref="RunFilter"/>.</summary>
internal static class ListQuery
{
    public static RunFilter Filter(IQueryCollection query, DateTimeOffset now)
    {
        return new RunFilter
        {
            PageSize = QueryFields.PageSize(query, RunEndpoints.MaxPageSize),
            Statuses = QueryFields.List(query, "filter[status]")?.Select(s => Status(s)).ToList(),
            TaskIds = QueryFields.List(query, "filter[taskIdentifier]"),
            Tags = QueryFields.List(query, "filter[tag]"),
            BatchId = query["filter[batch]"].ToString() is { Length: > 0 } batch ? batch : null,
            ScheduleId = query["filter[schedule]"].ToString() is { Length: > 0 } schedule ? schedule : null,
            Queues = QueryFields.List(query, "filter[queue]")?.Select(q => q.StartsWith("task/", StringComparison.Ordinal) ? q["task/".Length..] : q).ToList(),
            From = QueryFields.CreatedFrom(query, now),
            To = QueryFields.Millis(query, "filter[createdAt][to]"),
        };
    }

    private static RunStatus Status(string name)
    {
        try
        {
            return RunStatusExtensions.ParseWireName(name);
        }
        catch (ArgumentException)
        {
            throw ApiException.BadRequest($"'filter[status]' has '{name}', which is not a run status (QUEUED, EXECUTING, COMPLETED, FAILED, …).");
        }
    }
}
