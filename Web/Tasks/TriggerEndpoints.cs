using Microsoft.AspNetCore.Http.HttpResults;
using OrleansTasks.Web.Auth;
using OrleansTasks.Web.Wire;

namespace OrleansTasks.Web.Tasks;

/// <summary><c>POST /api/v1/tasks/{taskId}/trigger</c>: triggers one run, as Trigger.dev's <c>tasks.trigger</c> does.</summary>
internal static class TriggerEndpoints
{
    public static void Map(RouteGroupBuilder api) =>
        api.MapPost("/api/v1/tasks/{taskId}/trigger", TriggerAsync).WithName("TriggerTask").WithSummary("Trigger a run of a task");

    private static async Task<JsonHttpResult<TriggerResponse>> TriggerAsync(
        string taskId, HttpContext context, ITaskClient tasks, TokenIssuer tokens, IGrainFactory grains, TimeProvider time)
    {
        var caller = context.Caller();
        caller.Demand(caller.May("trigger", "tasks", taskId), $"triggering the task '{taskId}'");
        var body = await Uploads.PacketEndpoints.InlineAsync(await RequestBodies.ReadJsonAsync(context), grains);
        var (payloadJson, options) = TriggerRequestReader.Read(body, time.GetUtcNow());
        await context.UseOnceAsync();
        var handle = await tasks.TriggerAsync(taskId, payloadJson, options, context.RequestAborted);

        // The SDK makes this the handle's publicAccessToken: a browser can follow the run with it and nothing more.
        if (tokens.Issue([$"read:runs:{handle.Id}"], TokenIssuer.HandleTokenLifetime) is { } token)
        {
            context.Response.Headers["x-trigger-jwt"] = token;
        }

        return ApiJson.Ok(new TriggerResponse(handle.Id, handle.IsCached ? true : null));
    }
}

/// <summary>Trigger.dev's answer to a trigger.</summary>
internal sealed record TriggerResponse(string Id, bool? IsCached);
