using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using OrleansTasks.Realtime;
using OrleansTasks.Web.Auth;
using OrleansTasks.Web.Errors;
using OrleansTasks.Web.Wire;

namespace OrleansTasks.Web.Realtime;

/// <summary>
/// Realtime for Trigger.dev's SDK (<c>runs.subscribeToRun</c>, <c>subscribeToRunsWithTag</c>, <c>subscribeToBatch</c>):
/// Electric's HTTP shape protocol, which the SDK speaks. The first request (<c>offset=-1</c>) gets the shape's runs and
/// a handle; each next one sends the handle and the offset it has, and a live one (<c>live=true</c>) is held until a
/// run changes or <see cref="s_livePoll"/> passes. Every answer ends with <c>up-to-date</c>. Behind each handle is a
/// client subscription, so these shapes keep its guarantees: states in order, and a final state never missed.
/// </summary>
internal static class RealtimeEndpoints
{
    private static readonly TimeSpan s_livePoll = TimeSpan.FromSeconds(20);

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/realtime/v1/runs/{runId}", RunAsync).WithName("RealtimeRun").WithSummary("Follow a run (Electric shape protocol)");
        api.MapGet("/realtime/v1/runs", TagsAsync).WithName("RealtimeRunsWithTags").WithSummary("Follow the runs with all of some tags (Electric shape protocol)");
        api.MapGet("/realtime/v1/batches/{batchId}", BatchAsync).WithName("RealtimeBatch").WithSummary("Follow a batch's runs (Electric shape protocol)");
    }

    private static Task<ContentHttpResult> RunAsync(string runId, HttpContext context, ITaskClient tasks, ShapeSessions sessions) =>
        ShapeAsync(context, tasks, sessions, async () =>
        {
            await context.ReadableRunAsync(tasks, runId, $"following the run {runId}");
            return (RealtimeQuery.ForRun(runId), _ => true);
        });

    private static Task<ContentHttpResult> TagsAsync(HttpContext context, ITaskClient tasks, ShapeSessions sessions, TimeProvider time) =>
        ShapeAsync(context, tasks, sessions, () =>
        {
            var tags = QueryFields.Tags(context.Request.Query);
            var caller = context.Caller();
            caller.Demand(caller.May("read", "runs") || tags.Any(t => caller.May("read", "tags", t)), "following runs with these tags");
            var lookBack = QueryFields.CreatedWithin(context.Request.Query);

            // Trigger.dev's shape has the runs with every one of the tags.
            return Task.FromResult<(RealtimeQuery, Func<TaskRun, bool>)>((RealtimeQuery.ForTags(tags, time.GetUtcNow() - lookBack), run => tags.All(run.Tags.Contains)));
        });

    private static Task<ContentHttpResult> BatchAsync(string batchId, HttpContext context, ITaskClient tasks, ShapeSessions sessions) =>
        ShapeAsync(context, tasks, sessions, () =>
        {
            var caller = context.Caller();
            caller.Demand(caller.May("read", "batch", batchId), $"following the batch {batchId}");
            return Task.FromResult<(RealtimeQuery, Func<TaskRun, bool>)>((RealtimeQuery.ForBatch(batchId), _ => true));
        });

    private static async Task<ContentHttpResult> ShapeAsync(
        HttpContext context, ITaskClient tasks, ShapeSessions sessions, Func<Task<(RealtimeQuery Query, Func<TaskRun, bool> Belongs)>> describe)
    {
        var query = context.Request.Query;
        var handle = query["handle"].ToString();
        var offsetText = query["offset"].ToString();
        var live = query["live"].ToString() == "true";

        // Checked on every request, so a token that expired or lost its scope stops following at once.
        var (shapeQuery, belongs) = await describe();
        var session = handle.Length > 0 ? sessions.Find(handle) : null;
        if (session is null && handle.Length > 0 && offsetText != "-1")
        {
            // A handle this process does not hold: start over with a new one.
            var fresh = await OpenAsync(tasks, sessions, shapeQuery, belongs, context);
            Headers(context, fresh.Handle, fresh.Offset, live: false);
            return TypedResults.Content("""[{"headers":{"control":"must-refetch"}}]""", "application/json", statusCode: StatusCodes.Status409Conflict);
        }

        session ??= await OpenAsync(tasks, sessions, shapeQuery, belongs, context);
        var offset = offsetText == "-1" || offsetText.Length == 0 ? 0 : ParseOffset(offsetText);
        if (live)
        {
            await session.WaitAsync(offset, s_livePoll, LongRequests.Token(context));
        }

        var (changes, now) = session.Since(offset);
        var messages = new JsonArray([.. changes.Select(c => (JsonNode)ShapeRows.Message(c.Run, c.Insert)), ShapeRows.UpToDate()]);
        Headers(context, session.Handle, now, live);
        return TypedResults.Content(messages.ToJsonString(), "application/json");
    }

    private static async Task<ShapeSession> OpenAsync(ITaskClient tasks, ShapeSessions sessions, RealtimeQuery query, Func<TaskRun, bool> belongs, HttpContext context)
    {
        var session = await ShapeSession.OpenAsync(ShapeSessions.NewHandle(), tasks.EngineClient().Realtime, query, belongs,
            context.RequestServices.GetRequiredService<TimeProvider>(), context.RequestAborted);
        sessions.Add(session);
        return session;
    }

    private static void Headers(HttpContext context, string handle, long offset, bool live)
    {
        var headers = context.Response.Headers;
        headers["electric-handle"] = handle;
        headers["electric-offset"] = $"{offset.ToString(CultureInfo.InvariantCulture)}_0";
        headers["electric-up-to-date"] = "true";
        headers.CacheControl = "no-store";
        headers["access-control-expose-headers"] = "*";
        if (live)
        {
            headers["electric-cursor"] = offset.ToString(CultureInfo.InvariantCulture);
        }
        else
        {
            headers["electric-schema"] = ShapeRows.Schema;
        }
    }

    private static long ParseOffset(string text)
    {
        var number = text.Split('_')[0];
        return long.TryParse(number, CultureInfo.InvariantCulture, out var offset) && offset >= 0
            ? offset
            : throw ApiException.BadRequest($"'offset' is '{text}', which is not an offset this API gave out.");
    }
}
