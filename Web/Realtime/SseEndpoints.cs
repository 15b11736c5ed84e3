using System.Globalization;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using OrleansTasks.Web.Auth;
using OrleansTasks.Web.Errors;
using OrleansTasks.Web.Runs;
using OrleansTasks.Web.Wire;

namespace OrleansTasks.Web.Realtime;

/// <summary>
/// Realtime as server-sent events, for browsers (<c>EventSource</c>) and any HTTP client: a run, the runs with some
/// tags, a batch, and a run's data stream. Each is a client subscription, with its guarantees: a run's states in
/// order, each newer than the last, and its final state never missed. A run event (<c>run</c>) carries the run as
/// <c>GET /api/v3/runs/{id}</c> shows it plus its <c>version</c>; a chunk event (<c>chunk</c>) a data stream's chunk.
/// An <c>end</c> event says nothing more will come (the run, or the stream, ended), so a client closes instead of
/// reconnecting. A client that reconnects with <c>Last-Event-ID</c> gets what it missed: run events resume from the
/// run times they carry (states changed within <see cref="s_resumeMargin"/> of it come again: skip a version already
/// seen), chunk events from the chunk after the one named.
/// </summary>
internal static class SseEndpoints
{
    private static readonly TimeSpan s_resumeMargin = TimeSpan.FromSeconds(30);

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/api/v1/sse/runs/{runId}", RunAsync).WithName("RunEvents").WithSummary("A run's states as server-sent events, until its end");
        api.MapGet("/api/v1/sse/runs", TagsAsync).WithName("TaggedRunEvents").WithSummary("The states of runs with any of some tags as server-sent events");
        api.MapGet("/api/v1/sse/batches/{batchId}", BatchAsync).WithName("BatchEvents").WithSummary("A batch's runs' states as server-sent events");
        api.MapGet("/api/v1/sse/runs/{runId}/streams/{key}", StreamAsync).WithName("StreamEvents").WithSummary("A run's data stream as server-sent events, until it ends");
    }

    private static async Task<ServerSentEventsResult<string>> RunAsync(string runId, HttpContext context, ITaskClient tasks)
    {
        await context.ReadableRunAsync(tasks, runId, $"following the run {runId}");
        return TypedResults.ServerSentEvents(RunEventsAsync(tasks.Runs.SubscribeToRunAsync(runId, stopOnCompletion: true, LongRequests.Token(context)), ResumeTicks(context), endAtFinal: true));
    }

    private static ServerSentEventsResult<string> TagsAsync(HttpContext context, ITaskClient tasks, TimeProvider time)
    {
        var tags = QueryFields.Tags(context.Request.Query);
        var caller = context.Caller();
        caller.Demand(caller.May("read", "runs") || tags.All(t => caller.May("read", "tags", t)), "following runs with these tags");
        var lookBack = QueryFields.CreatedWithin(context.Request.Query);
        return TypedResults.ServerSentEvents(RunEventsAsync(tasks.Runs.SubscribeToRunsWithTagAsync(tags, time.GetUtcNow() - lookBack, LongRequests.Token(context)), ResumeTicks(context), endAtFinal: false));
    }

    private static ServerSentEventsResult<string> BatchAsync(string batchId, HttpContext context, ITaskClient tasks)
    {
        var caller = context.Caller();
        caller.Demand(caller.May("read", "batch", batchId), $"following the batch {batchId}");
        return TypedResults.ServerSentEvents(RunEventsAsync(tasks.Runs.SubscribeToBatchAsync(batchId, LongRequests.Token(context)), ResumeTicks(context), endAtFinal: false));
    }

    private static async Task<ServerSentEventsResult<string>> StreamAsync(string runId, string key, HttpContext context, ITaskClient tasks)
    {
        await context.ReadableRunAsync(tasks, runId, $"reading the streams of the run {runId}");
        var last = context.Request.Headers["Last-Event-ID"].ToString();
        var from = last.Length == 0 ? 0
            : long.TryParse(last, CultureInfo.InvariantCulture, out var offset) && offset >= 0 ? offset + 1
            : throw ApiException.BadRequest($"Last-Event-ID is '{last}'; for a data stream it is the number of the last chunk received.");
        return TypedResults.ServerSentEvents(ChunkEventsAsync(tasks.Runs.ReadStreamAsync<JsonElement>(runId, key, from, LongRequests.Token(context)), from));
    }

    private static async IAsyncEnumerable<SseItem<string>> RunEventsAsync(IAsyncEnumerable<TaskRun> runs, long resumeTicks, bool endAtFinal)
    {
        await foreach (var run in runs.ConfigureAwait(false))
        {
            if (run.UpdatedAt.UtcTicks > resumeTicks)
            {
                var json = RunJson.Retrieve(run);
                json["version"] = run.Version;
                yield return new SseItem<string>(json.ToJsonString(), "run") { EventId = run.UpdatedAt.UtcTicks.ToString(CultureInfo.InvariantCulture) };
            }

            if (endAtFinal && run.Status.IsFinal())
            {
                yield return new SseItem<string>("{}", "end") { EventId = run.UpdatedAt.UtcTicks.ToString(CultureInfo.InvariantCulture) };
                yield break;
            }
        }
    }

    private static async IAsyncEnumerable<SseItem<string>> ChunkEventsAsync(IAsyncEnumerable<JsonElement> chunks, long from, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var offset = from;
        await foreach (var chunk in chunks.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return new SseItem<string>(chunk.GetRawText(), "chunk") { EventId = offset.ToString(CultureInfo.InvariantCulture) };
            offset++;
        }

        yield return new SseItem<string>("{}", "end") { EventId = (offset - 1).ToString(CultureInfo.InvariantCulture) };
    }

    /// <summary>The run time a reconnecting client names in <c>Last-Event-ID</c>, less the margin; 0 for a first connection.</summary>
    private static long ResumeTicks(HttpContext context)
    {
        var last = context.Request.Headers["Last-Event-ID"].ToString();
        if (last.Length == 0)
        {
            return 0;
        }

        return long.TryParse(last, CultureInfo.InvariantCulture, out var ticks) && ticks >= 0
            ? Math.Max(0, ticks - s_resumeMargin.Ticks)
            : throw ApiException.BadRequest($"Last-Event-ID is '{last}'; for run events it is the id of the last event received.");
    }
}
