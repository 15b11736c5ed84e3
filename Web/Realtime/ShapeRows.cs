using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrleansTasks.Web.Realtime;

/// <summary>
/// A run as a row of Trigger.dev's realtime shape (its <c>TaskRun</c> table as Electric sends it): every value a string
/// that the column's type in <see cref="Schema"/> decodes. Statuses are the database's names (the SDK maps
/// <c>COMPLETED_SUCCESSFULLY</c> to <c>COMPLETED</c>, and any API name to <c>QUEUED</c>), times carry no zone mark (the
/// SDK adds one), and a final run has <c>completedAt</c> (which ends a run subscription).
/// </summary>
internal static class ShapeRows
{
    /// <summary>The columns and their types, as Trigger.dev's server sends them in <c>electric-schema</c>.</summary>
    public const string Schema = """{"id":{"type":"text"},"taskIdentifier":{"type":"text"},"createdAt":{"type":"timestamp"},"updatedAt":{"type":"timestamp"},"startedAt":{"type":"timestamp"},"delayUntil":{"type":"timestamp"},"queuedAt":{"type":"timestamp"},"expiredAt":{"type":"timestamp"},"completedAt":{"type":"timestamp"},"friendlyId":{"type":"text"},"number":{"type":"int4"},"isTest":{"type":"bool"},"status":{"type":"text"},"usageDurationMs":{"type":"int4"},"costInCents":{"type":"float8"},"baseCostInCents":{"type":"float8"},"ttl":{"type":"text"},"payload":{"type":"text"},"payloadType":{"type":"text"},"metadata":{"type":"text"},"metadataType":{"type":"text"},"output":{"type":"text"},"outputType":{"type":"text"},"runTags":{"type":"text","dims":1},"error":{"type":"jsonb"},"realtimeStreams":{"type":"text","dims":1}}""";

    public static JsonObject Message(TaskRun run, bool insert) => new()
    {
        ["key"] = $"\"public\".\"TaskRun\"/\"{run.Id}\"",
        ["value"] = Row(run),
        ["headers"] = new JsonObject { ["operation"] = insert ? "insert" : "update" },
    };

    public static JsonObject UpToDate() => new() { ["headers"] = new JsonObject { ["control"] = "up-to-date" } };

    private static JsonObject Row(TaskRun run)
    {
        var final = run.Status.IsFinal();
        return new JsonObject
        {
            ["id"] = run.Id,
            ["friendlyId"] = run.Id,
            ["taskIdentifier"] = run.TaskId,
            ["status"] = Status(run.Status),
            ["createdAt"] = Time(run.CreatedAt),
            ["updatedAt"] = Time(run.UpdatedAt),
            ["startedAt"] = Time(run.StartedAt),
            ["delayUntil"] = Time(run.DelayedUntil),
            ["queuedAt"] = Time(run.CreatedAt),
            ["expiredAt"] = Time(run.ExpiredAt),
            ["completedAt"] = final ? Time(run.FinishedAt ?? run.UpdatedAt) : null,
            ["number"] = "0",
            ["isTest"] = "f",
            ["usageDurationMs"] = (run.StartedAt is { } started && run.FinishedAt is { } finished ? (long)(finished - started).TotalMilliseconds : 0).ToString(CultureInfo.InvariantCulture),
            ["costInCents"] = "0",
            ["baseCostInCents"] = "0",
            ["ttl"] = run.Ttl is { } ttl ? Runs.RunJson.Duration(ttl) : null,
            ["payload"] = run.PayloadJson,
            ["payloadType"] = "application/json",
            ["metadata"] = run.MetadataJson,
            ["metadataType"] = run.MetadataJson is null ? null : "application/json",
            ["output"] = run.Status == RunStatus.Completed ? run.OutputJson : null,
            ["outputType"] = run.Status == RunStatus.Completed && run.OutputJson is not null ? "application/json" : null,
            ["runTags"] = run.Tags.Count == 0 ? null : PostgresArray(run.Tags),
            ["error"] = run.Error is { } error
                ? JsonSerializer.Serialize(new { type = "BUILT_IN_ERROR", name = error.Type, message = error.Message, stackTrace = error.StackTrace ?? "" })
                : null,
            ["realtimeStreams"] = PostgresArray(run.Streams),
        };
    }

    /// <summary>The database's name of a status, which the SDK maps back to the API's.</summary>
    private static string Status(RunStatus status) => status switch
    {
        RunStatus.Queued => "PENDING",
        RunStatus.Waiting => "WAITING_TO_RESUME",
        RunStatus.Completed => "COMPLETED_SUCCESSFULLY",
        RunStatus.Failed => "COMPLETED_WITH_ERRORS",
        _ => status.ToWireName(),
    };

    private static string? Time(DateTimeOffset? at) => at?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff", CultureInfo.InvariantCulture);

    private static string PostgresArray(IEnumerable<string> values) =>
        "{" + string.Join(',', values.Select(v => "\"" + v.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"")) + "}";
}
