using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using OrleansTasks.Runs;
using OrleansTasks.Web.Auth;
using OrleansTasks.Web.Errors;
using OrleansTasks.Web.Tasks;
using OrleansTasks.Web.Wire;
using static OrleansTasks.Web.Wire.JsonFields;

namespace OrleansTasks.Web.Batches;

/// <summary>
/// Trigger.dev's batch trigger, in its two steps as the SDK makes it: <c>POST /api/v3/batches</c> names the batch
/// (how many runs, of which tasks), then <c>POST /api/v3/batches/{id}/items</c> sends the items as NDJSON, one per line
/// with its index. The runs' ids follow from the batch id and the index, so items sent again (the SDK resends the whole
/// stream after a failure) find the runs made the first time. <c>GET /api/v2/batches/{id}</c> reads a batch back.
/// </summary>
internal static class BatchEndpoints
{
    /// <summary>The most the items request may carry: a thousand items, each payload up to 3 MB, is more than anyone sends in one go.</summary>
    private const long MaxItemsBody = 256L * 1024 * 1024;

    public static void Map(RouteGroupBuilder api)
    {
        api.MapPost("/api/v3/batches", CreateAsync).WithName("CreateBatch").WithSummary("Start a batch: how many runs, of which tasks");
        api.MapPost("/api/v3/batches/{batchId}/items", ItemsAsync).WithName("StreamBatchItems").WithSummary("Send a batch's items as NDJSON");
        api.MapGet("/api/v2/batches/{batchId}", RetrieveAsync).WithName("RetrieveBatch").WithSummary("Retrieve a batch and its runs");
    }

    /// <summary>How long a batch's idempotency key holds unless told (Trigger.dev's default: 30 days).</summary>
    private static readonly TimeSpan s_defaultKeyTtl = TimeSpan.FromDays(30);

    private static async Task<JsonHttpResult<JsonObject>> CreateAsync(HttpContext context, TokenIssuer tokens, IGrainFactory grains, TimeProvider time)
    {
        var body = await RequestBodies.ReadJsonAsync(context);
        var runCount = Int(body, "runCount", "") ?? throw ApiException.BadRequest("'runCount' is required: how many items the batch will have.");
        if (runCount is < 1 or > TaskLimits.MaxBatchItems)
        {
            throw new ApiException(runCount < 1 ? StatusCodes.Status400BadRequest : StatusCodes.Status413PayloadTooLarge, runCount < 1 ? "invalid_request" : "batch_too_large",
                $"'runCount' is {runCount}; a batch has 1 to {TaskLimits.MaxBatchItems:N0} items.");
        }

        var caller = context.Caller();
        var taskIds = Strings(body, "taskIdentifiers", "") ?? [];
        caller.Demand(caller.HasSecretKey || (taskIds.Count > 0 && taskIds.All(t => caller.May("batchTrigger", "tasks", t))), "batch-triggering these tasks");

        // A batch with an idempotency key is the batch the key named before, while the key holds: the SDK then skips
        // sending the items again.
        var batchId = RunIds.NewBatchId(time.GetUtcNow());
        var cached = false;
        if ((String(Property(body, "idempotencyKeyOptions"), "key", "idempotencyKeyOptions.") ?? String(body, "idempotencyKey", "")) is { } key)
        {
            var ttl = Property(body, "idempotencyKeyTTL") is { ValueKind: not JsonValueKind.Undefined } keyTtl ? Durations.Parse(keyTtl, "idempotencyKeyTTL", secondsAllowed: true) : s_defaultKeyTtl;
            var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(key)));
            (batchId, cached) = await grains.GetGrain<OrleansTasks.Batches.IBatchKeyGrain>(hash).GetOrClaimAsync(batchId, ttl);
        }

        if (!cached)
        {
            await context.UseOnceAsync();
        }

        if (tokens.Issue([$"read:batch:{batchId}"], TokenIssuer.HandleTokenLifetime) is { } jwt)
        {
            context.Response.Headers["x-trigger-jwt"] = jwt;
        }

        return ApiJson.Ok(new JsonObject { ["id"] = batchId, ["runCount"] = runCount, ["isCached"] = cached });
    }

    private static async Task<JsonHttpResult<JsonObject>> ItemsAsync(string batchId, HttpContext context, ITaskClient tasks, IGrainFactory grains, TimeProvider time)
    {
        var contentType = context.Request.ContentType ?? "";
        if (!contentType.StartsWith("application/x-ndjson", StringComparison.OrdinalIgnoreCase) && !contentType.StartsWith("application/ndjson", StringComparison.OrdinalIgnoreCase))
        {
            throw new ApiException(StatusCodes.Status415UnsupportedMediaType, "unsupported_media_type",
                $"A batch's items come as NDJSON (Content-Type: application/x-ndjson), one JSON item per line; this request is '{contentType}'.");
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxItemsBody;
        }

        var caller = context.Caller();
        var now = time.GetUtcNow();
        var items = new SortedDictionary<int, TriggerRequest>();
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        for (var line = 1; await reader.ReadLineAsync(context.RequestAborted) is { } text; line++)
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            JsonElement item;
            try
            {
                using var document = JsonDocument.Parse(text);
                item = document.RootElement.Clone();
            }
            catch (JsonException exception)
            {
                throw ApiException.BadRequest($"Line {line} of the items is not valid JSON: {exception.Message}");
            }

            item = await Uploads.PacketEndpoints.InlineAsync(item, grains);
            var index = Int(item, "index", $"items line {line}: ") ?? throw ApiException.BadRequest($"Line {line} of the items has no 'index'.");
            var prefix = $"items[{index}].";
            var task = String(item, "task", prefix) ?? throw ApiException.BadRequest($"'{prefix}task' is required.");
            caller.Demand(caller.HasSecretKey || caller.May("batchTrigger", "tasks", task), $"batch-triggering the task '{task}'");
            var options = Property(item, "options");
            items[index] = new TriggerRequest
            {
                TaskId = task,
                PayloadJson = TriggerRequestReader.ReadPayload(Property(item, "payload"), options, prefix),
                Options = TriggerRequestReader.ReadOptions(options, now, prefix + "options."),
            };
        }

        if (items.Count == 0)
        {
            throw ApiException.BadRequest("The batch has no items: send one JSON item per line.");
        }

        if (items.Keys.First() != 0 || items.Keys.Last() != items.Count - 1)
        {
            throw ApiException.BadRequest($"A batch's items are numbered 0 to {items.Count - 1} by 'index', each once; these run from {items.Keys.First()} to {items.Keys.Last()}.");
        }

        var handle = await tasks.EngineClient().TriggerBatchItemsAsync(batchId, [.. items.Values], context.RequestAborted);
        var cached = handle.Runs.Count(r => r.IsCached);
        return ApiJson.Ok(new JsonObject
        {
            ["id"] = handle.BatchId,
            ["itemsAccepted"] = handle.Runs.Count - cached,
            ["itemsDeduplicated"] = cached,
            ["sealed"] = true,
        });
    }

    private static async Task<JsonHttpResult<JsonObject>> RetrieveAsync(string batchId, HttpContext context, ITaskClient tasks)
    {
        var caller = context.Caller();
        caller.Demand(caller.May("read", "batch", batchId), $"reading the batch {batchId}");
        var runs = await tasks.Runs.ListAsync(new RunFilter { BatchId = batchId, PageSize = RunFilter.MaxPageSize }, context.RequestAborted).ToListAsync(context.RequestAborted);
        if (runs.Count == 0)
        {
            throw new ApiException(StatusCodes.Status404NotFound, "batch_not_found", $"No batch has the id '{batchId}' (or its items were never sent).");
        }

        // In item order: a batch's run ids follow from its id and each item's index.
        var byId = runs.ToDictionary(r => r.Id, StringComparer.Ordinal);
        var ordered = Enumerable.Range(0, runs.Count).Select(i => byId.GetValueOrDefault(RunIds.ForBatchItem(batchId, i))).OfType<RunSummary>().ToList();
        return ApiJson.Ok(new JsonObject
        {
            ["id"] = batchId,
            ["status"] = "COMPLETED",
            ["createdAt"] = ordered.Min(r => r.CreatedAt),
            ["updatedAt"] = ordered.Max(r => r.UpdatedAt),
            ["runCount"] = ordered.Count,
            ["runs"] = new JsonArray([.. ordered.Select(r => (JsonNode)r.Id)]),
            ["processing"] = new JsonObject { ["completedAt"] = ordered.Min(r => r.CreatedAt), ["errors"] = new JsonArray() },
        });
    }
}
