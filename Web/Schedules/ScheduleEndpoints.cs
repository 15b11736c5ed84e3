using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using OrleansTasks.Web.Auth;
using OrleansTasks.Web.Errors;
using OrleansTasks.Web.Wire;
using static OrleansTasks.Web.Wire.JsonFields;

namespace OrleansTasks.Web.Schedules;

/// <summary>Trigger.dev's schedules endpoints (<c>/api/v1/schedules</c>, <c>/api/v1/timezones</c>); a secret key only, but the time zones.</summary>
internal static class ScheduleEndpoints
{
    /// <summary>The most schedules one page holds (Trigger.dev's bound).</summary>
    public const int MaxPerPage = 100;

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/api/v1/schedules", CreateAsync).WithName("CreateSchedule").WithSummary("Create a schedule, or update the one with the same deduplication key");
        api.MapGet("/api/v1/schedules", ListAsync).WithName("ListSchedules").WithSummary("List schedules, a page at a time");
        api.MapGet("/api/v1/schedules/{scheduleId}", RetrieveAsync).WithName("RetrieveSchedule").WithSummary("Retrieve a schedule");
        api.MapPut("/api/v1/schedules/{scheduleId}", UpdateAsync).WithName("UpdateSchedule").WithSummary("Update a schedule");
        api.MapPost("/api/v1/schedules/{scheduleId}/activate", ActivateAsync).WithName("ActivateSchedule").WithSummary("Activate a schedule");
        api.MapPost("/api/v1/schedules/{scheduleId}/deactivate", DeactivateAsync).WithName("DeactivateSchedule").WithSummary("Deactivate a schedule");
        api.MapDelete("/api/v1/schedules/{scheduleId}", DeleteAsync).WithName("DeleteSchedule").WithSummary("Delete a schedule");
        api.MapGet("/api/v1/timezones", TimezonesAsync).WithName("ListTimezones").WithSummary("The time zones schedules take")
            .WithMetadata(AnonymousApiEndpoint.Instance);
    }

    private static async Task<JsonHttpResult<JsonObject>> CreateAsync(HttpContext context, ITaskClient tasks)
    {
        context.DemandSecretKey("schedules");
        var body = await RequestBodies.ReadJsonAsync(context);
        var options = new CreateScheduleOptions
        {
            Task = Required(body, "task"),
            Cron = Required(body, "cron"),
            DeduplicationKey = Required(body, "deduplicationKey"),
            ExternalId = String(body, "externalId", ""),
            Timezone = String(body, "timezone", ""),
            Window = String(body, "window", ""),
        };
        return ApiJson.Ok(Json(await tasks.Schedules.CreateAsync(options, context.RequestAborted)));
    }

    private static async Task<JsonHttpResult<JsonObject>> ListAsync(HttpContext context, ITaskClient tasks)
    {
        context.DemandSecretKey("schedules");
        var page = QueryFields.Number(context.Request.Query, "page", 1, int.MaxValue, 1);
        var perPage = QueryFields.Number(context.Request.Query, "perPage", 1, MaxPerPage, 20);
        var found = await tasks.Schedules.ListAsync(page, perPage, cancellationToken: context.RequestAborted);
        return ApiJson.Ok(new JsonObject
        {
            ["data"] = new JsonArray([.. found.Data.Select(s => (JsonNode)Json(s))]),
            ["pagination"] = new JsonObject { ["currentPage"] = found.CurrentPage, ["totalPages"] = found.TotalPages, ["count"] = found.Count },
        });
    }

    private static async Task<JsonHttpResult<JsonObject>> RetrieveAsync(string scheduleId, HttpContext context, ITaskClient tasks)
    {
        context.DemandSecretKey("schedules");
        return ApiJson.Ok(Json(await tasks.Schedules.RetrieveAsync(scheduleId, context.RequestAborted)));
    }

    private static async Task<JsonHttpResult<JsonObject>> UpdateAsync(string scheduleId, HttpContext context, ITaskClient tasks)
    {
        context.DemandSecretKey("schedules");
        var body = await RequestBodies.ReadJsonAsync(context);
        var options = new UpdateScheduleOptions
        {
            Task = Required(body, "task"),
            Cron = Required(body, "cron"),
            ExternalId = String(body, "externalId", ""),
            Timezone = String(body, "timezone", ""),
            Window = String(body, "window", ""),
        };
        return ApiJson.Ok(Json(await tasks.Schedules.UpdateAsync(scheduleId, options, context.RequestAborted)));
    }

    private static async Task<JsonHttpResult<JsonObject>> ActivateAsync(string scheduleId, HttpContext context, ITaskClient tasks)
    {
        context.DemandSecretKey("schedules");
        return ApiJson.Ok(Json(await tasks.Schedules.ActivateAsync(scheduleId, context.RequestAborted)));
    }

    private static async Task<JsonHttpResult<JsonObject>> DeactivateAsync(string scheduleId, HttpContext context, ITaskClient tasks)
    {
        context.DemandSecretKey("schedules");
        return ApiJson.Ok(Json(await tasks.Schedules.DeactivateAsync(scheduleId, context.RequestAborted)));
    }

    private static async Task<JsonHttpResult<JsonObject>> DeleteAsync(string scheduleId, HttpContext context, ITaskClient tasks)
    {
        context.DemandSecretKey("schedules");
        var deleted = await tasks.Schedules.DeleteAsync(scheduleId, context.RequestAborted);
        return ApiJson.Ok(new JsonObject { ["id"] = deleted.Id });
    }

    private static async Task<JsonHttpResult<JsonObject>> TimezonesAsync(HttpContext context, ITaskClient tasks)
    {
        var excludeUtc = context.Request.Query["excludeUtc"].ToString() is "true" or "1";
        var zones = await tasks.Schedules.TimezonesAsync(excludeUtc, context.RequestAborted);
        return ApiJson.Ok(new JsonObject { ["timezones"] = new JsonArray([.. zones.Select(z => (JsonNode)z)]) });
    }

    /// <summary>A schedule as Trigger.dev shows one.</summary>
    public static JsonObject Json(Schedule schedule)
    {
        var json = new JsonObject
        {
            ["id"] = schedule.Id,
            ["type"] = schedule.Type == ScheduleType.Declarative ? "DECLARATIVE" : "IMPERATIVE",
            ["task"] = schedule.Task,
            ["active"] = schedule.Active,
            ["deduplicationKey"] = schedule.DeduplicationKey,
            ["externalId"] = schedule.ExternalId,
            ["generator"] = new JsonObject
            {
                ["type"] = "CRON",
                ["expression"] = schedule.Generator.Expression,
                ["description"] = schedule.Generator.Description,
            },
            ["timezone"] = schedule.Timezone,
            ["nextRun"] = schedule.NextRun,
            ["nextRunEffectiveAt"] = schedule.NextRunEffectiveAt,
            ["environments"] = new JsonArray(),
        };
        if (!string.IsNullOrEmpty(schedule.Window))
        {
            json["window"] = schedule.Window;
        }

        return json;
    }


    private static string Required(JsonElement body, string name) =>
        String(body, name, "") ?? throw ApiException.BadRequest($"'{name}' is required.");
}
