using System.Text.Json.Nodes;

namespace OrleansTasks.Web.Runs;

/// <summary>
/// A run as Trigger.dev's API shows it (<c>RetrieveRunResponse</c>, and the items of a listing). Its SDK validates
/// strictly: optional fields are left out rather than sent as null, and statuses are Trigger.dev's names.
/// </summary>
internal static class RunJson
{
    /// <summary>The whole run, for <c>GET /api/v3/runs/{id}</c> and the answers that return one.</summary>
    public static JsonObject Retrieve(TaskRun run)
    {
        var json = Common(run.Id, run.TaskId, run.Status, run.CreatedAt, run.UpdatedAt, run.StartedAt, run.FinishedAt, run.Tags, run.BatchId, run.IdempotencyKey);
        json["depth"] = run.Depth;
        json["triggerFunction"] = run.BatchId is null ? "trigger" : "batchTrigger";
        json["relatedRuns"] = new JsonObject();
        json["attemptCount"] = run.Attempts.Count;
        json["payload"] = JsonNode.Parse(run.PayloadJson);
        if (run.Status == RunStatus.Completed && run.OutputJson is { } output)
        {
            json["output"] = JsonNode.Parse(output);
        }

        if (run.MetadataJson is { } metadata)
        {
            json["metadata"] = JsonNode.Parse(metadata);
        }

        if (run.Error is { } error)
        {
            json["error"] = Error(error);
        }

        if (run.DelayedUntil is { } delayedUntil)
        {
            json["delayedUntil"] = delayedUntil;
        }

        if (run.ExpiredAt is { } expiredAt)
        {
            json["expiredAt"] = expiredAt;
        }

        if (run.Ttl is { } ttl)
        {
            json["ttl"] = Duration(ttl);
        }

        return json;
    }

    /// <summary>A run in a listing (<c>GET /api/v1/runs</c>).</summary>
    public static JsonObject Item(RunSummary run)
    {
        var json = Common(run.Id, run.TaskId, run.Status, run.CreatedAt, run.UpdatedAt, run.StartedAt, run.FinishedAt, run.Tags, run.BatchId, run.IdempotencyKey);
        json["depth"] = run.Depth;
        json["env"] = new JsonObject { ["id"] = "default", ["name"] = "default" };
        return json;
    }

    public static JsonObject Error(TaskRunError error)
    {
        var json = new JsonObject { ["message"] = error.Message, ["name"] = error.Type };
        if (error.StackTrace is { } stack)
        {
            json["stackTrace"] = stack;
        }

        return json;
    }

    /// <summary>A duration as Trigger.dev writes one: <c>1h30m</c>, <c>10s</c>.</summary>
    public static string Duration(TimeSpan duration)
    {
        var text = string.Concat(
            duration.Days > 0 ? $"{duration.Days}d" : "",
            duration.Hours > 0 ? $"{duration.Hours}h" : "",
            duration.Minutes > 0 ? $"{duration.Minutes}m" : "",
            duration.Seconds > 0 ? $"{duration.Seconds}s" : "");
        return text.Length == 0 ? "0s" : text;
    }

    private static JsonObject Common(
        string id, string taskId, RunStatus status, DateTimeOffset createdAt, DateTimeOffset updatedAt, DateTimeOffset? startedAt, DateTimeOffset? finishedAt,
        IReadOnlyList<string> tags, string? batchId, string? idempotencyKey)
    {
        var json = new JsonObject
        {
            ["id"] = id,
            ["status"] = status.ToWireName(),
            ["taskIdentifier"] = taskId,
            ["isQueued"] = status is RunStatus.Queued or RunStatus.Delayed,
            ["isExecuting"] = status is RunStatus.Executing or RunStatus.Dequeued,
            ["isWaiting"] = status == RunStatus.Waiting,
            ["isCompleted"] = status.IsFinal(),
            ["isSuccess"] = status == RunStatus.Completed,
            ["isFailed"] = status.IsFinal() && status != RunStatus.Completed,
            ["isCancelled"] = status == RunStatus.Canceled,
            ["isTest"] = false,
            ["createdAt"] = createdAt,
            ["updatedAt"] = updatedAt,
            ["tags"] = new JsonArray([.. tags.Select(t => (JsonNode)t)]),
            ["costInCents"] = 0,
            ["baseCostInCents"] = 0,
            ["durationMs"] = startedAt is { } started && finishedAt is { } finished ? (long)(finished - started).TotalMilliseconds : 0,
        };
        if (startedAt is { } start)
        {
            json["startedAt"] = start;
        }

        if (finishedAt is { } end)
        {
            json["finishedAt"] = end;
        }

        if (batchId is not null)
        {
            json["batchId"] = batchId;
        }

        if (idempotencyKey is not null)
        {
            json["idempotencyKey"] = idempotencyKey;
        }

        return json;
    }
}
