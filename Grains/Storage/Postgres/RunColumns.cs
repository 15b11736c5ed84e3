using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace OrleansTasks.Storage.Postgres;

/// <summary>
/// The <c>runs</c> row's columns, said once: each column's name, how a batch of <see cref="RunRow"/>s binds to it (one
/// array parameter per column, unnested in SQL), what an insert and a save write to it, and where a read finds it. The
/// run store's insert, save and select statements are made from this list, so a column is added in one place.
/// </summary>
internal static class RunColumns
{
    /// <summary>One column. <paramref name="OnSave"/> is what a save sets it to (<c>u</c> is the new row, <c>r</c> the stored one); null leaves it as inserted.</summary>
    private sealed record Column(string Name, string ArrayType, Func<List<RunRow>, bool, NpgsqlParameter> Bind, string OnInsert, string? OnSave);

    private static readonly Column[] s_columns =
    [
        Text("id", r => r.Id, save: false),
        Text("task_id", r => r.TaskId, save: false),
        Text("status", r => r.Status),
        Text("queue", r => r.Queue),
        new("queue_order", "bigint", (rows, _) => new NpgsqlParameter<long[]> { TypedValue = [.. rows.Select(r => r.QueueOrder)] }, "u.queue_order", "u.queue_order"),
        Text("machine", r => r.Machine),
        new("tags", "text", (rows, _) => TextArray(rows, r => JsonSerializer.Serialize(r.Tags, TaskJson.Options)),
            "ARRAY(SELECT json_array_elements_text(u.tags::json))", "ARRAY(SELECT json_array_elements_text(u.tags::json))"),
        Text("batch_id", r => r.BatchId),
        Text("parent_run_id", r => r.ParentRunId, save: false),
        Text("root_run_id", r => r.RootRunId, save: false),
        Text("schedule_id", r => r.ScheduleId, save: false),
        new("depth", "integer", (rows, _) => new NpgsqlParameter<int[]> { TypedValue = [.. rows.Select(r => r.Depth)] }, "u.depth", null),
        Time("created_at", r => r.CreatedAt, save: false),
        Time("updated_at", r => r.UpdatedAt),
        Time("started_at", r => r.StartedAt),
        Time("finished_at", r => r.FinishedAt),
        Time("wake_at", r => r.WakeAt),
        Text("owner", r => r.Owner),
        new("version", "bigint", (rows, _) => new NpgsqlParameter<long[]> { TypedValue = [.. rows.Select(r => r.Version)] }, "u.version", "u.version"),

        // The payload is sent (and written) on a save only when a trailing debounce replaced it.
        new("payload", "text", (rows, isInsert) => TextArray(rows, r => isInsert || r.PayloadChanged ? r.PayloadJson : null),
            "u.payload::json", "COALESCE(u.payload::json, r.payload)"),
        new("output", "text", (rows, _) => TextArray(rows, r => r.OutputJson), "u.output::json", "u.output::json"),
        // Sent as the UTF-8 bytes the row holds, not re-encoded from a string.
        new("state", "bytea", (rows, _) => new NpgsqlParameter { Value = rows.Select(r => r.StateUtf8).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea },
            "convert_from(u.state, 'UTF8')::json", "convert_from(u.state, 'UTF8')::json"),
        Text("concurrency_key", r => r.ConcurrencyKey),
        Text("idempotency_key", r => r.IdempotencyKey),
        Time("expires_at", r => r.ExpiresAt),
        new("resume_requested", "boolean", (rows, _) => new NpgsqlParameter<bool[]> { TypedValue = [.. rows.Select(r => r.ResumeRequested)] },
            "u.resume_requested", "u.resume_requested"),
    ];

    /// <summary>The columns a read selects, in the order <see cref="Read"/> expects.</summary>
    public static readonly string Select = string.Join(", ", s_columns.Select(c => c.Name));

    /// <summary>Inserts a batch (<c>$1</c> is the service id); returns the ids it inserted, leaving ids already stored alone.</summary>
    public static readonly string InsertSql = $"""
        INSERT INTO runs (service_id, {Select})
        SELECT $1, {string.Join(", ", s_columns.Select(c => c.OnInsert))}
        {Unnest}
        ON CONFLICT (id) DO NOTHING
        RETURNING id
        """;

    /// <summary>Saves a batch (<c>$1</c> is the service id); a row is written only over an older version of itself.</summary>
    public static readonly string UpdateSql = $"""
        UPDATE runs AS r
        SET {string.Join(", ", s_columns.Where(c => c.OnSave is not null).Select(c => $"{c.Name} = {c.OnSave}"))}
        {Unnest}
        WHERE r.id = u.id AND {ServiceScope.ByKey("$1", "r")} AND r.version < u.version
        """;

    private static readonly Dictionary<string, int> s_ordinals = s_columns.Select((c, i) => (c.Name, i)).ToDictionary(x => x.Name, x => x.i, StringComparer.Ordinal);

    private static string Unnest =>
        $"FROM unnest({string.Join(", ", s_columns.Select((c, i) => $"${i + 2}::{c.ArrayType}[]"))}) AS u({Select})";

    /// <summary>A statement of <see cref="InsertSql"/> or <see cref="UpdateSql"/> bound to <paramref name="rows"/>.</summary>
    public static NpgsqlBatchCommand Bind(string sql, List<RunRow> rows, string serviceId, bool isInsert)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = serviceId });
        foreach (var column in s_columns)
        {
            command.Parameters.Add(column.Bind(rows, isInsert));
        }

        return command;
    }

    /// <summary>Reads a row selected with <see cref="Select"/>.</summary>
    public static RunRow Read(NpgsqlDataReader reader) => new(
        Id: reader.GetString(Ordinal("id")),
        TaskId: reader.GetString(Ordinal("task_id")),
        Status: reader.GetString(Ordinal("status")),
        Queue: reader.GetString(Ordinal("queue")),
        QueueOrder: reader.GetInt64(Ordinal("queue_order")),
        Machine: reader.GetString(Ordinal("machine")),
        Tags: reader.GetFieldValue<string[]>(Ordinal("tags")),
        BatchId: NullableText(reader, "batch_id"),
        ParentRunId: NullableText(reader, "parent_run_id"),
        RootRunId: NullableText(reader, "root_run_id"),
        Depth: reader.GetInt32(Ordinal("depth")),
        CreatedAt: reader.GetFieldValue<DateTimeOffset>(Ordinal("created_at")),
        UpdatedAt: reader.GetFieldValue<DateTimeOffset>(Ordinal("updated_at")),
        StartedAt: NullableTime(reader, "started_at"),
        FinishedAt: NullableTime(reader, "finished_at"),
        WakeAt: NullableTime(reader, "wake_at"),
        Owner: NullableText(reader, "owner"),
        Version: reader.GetInt64(Ordinal("version")),
        PayloadJson: reader.GetString(Ordinal("payload")),
        OutputJson: NullableText(reader, "output"),
        StateUtf8: System.Text.Encoding.UTF8.GetBytes(reader.GetString(Ordinal("state"))),
        ConcurrencyKey: NullableText(reader, "concurrency_key"),
        IdempotencyKey: NullableText(reader, "idempotency_key"),
        ExpiresAt: NullableTime(reader, "expires_at"),
        ResumeRequested: reader.GetBoolean(Ordinal("resume_requested")),
        ScheduleId: NullableText(reader, "schedule_id"));

    private static int Ordinal(string column) => s_ordinals[column];

    private static string? NullableText(NpgsqlDataReader reader, string column)
    {
        var ordinal = Ordinal(column);
        return reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
    }

    private static DateTimeOffset? NullableTime(NpgsqlDataReader reader, string column)
    {
        var ordinal = Ordinal(column);
        return reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);
    }

    private static Column Text(string name, Func<RunRow, string?> select, bool save = true) =>
        new(name, "text", (rows, _) => TextArray(rows, select), $"u.{name}", save ? $"u.{name}" : null);

    private static Column Time(string name, Func<RunRow, DateTimeOffset?> select, bool save = true) =>
        new(name, "timestamptz", (rows, _) => new NpgsqlParameter
        {
            Value = rows.Select(r => select(r) is { } t ? (object)t.UtcDateTime : DBNull.Value).ToArray(),
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz,
        }, $"u.{name}", save ? $"u.{name}" : null);

    private static NpgsqlParameter TextArray(List<RunRow> rows, Func<RunRow, string?> select) =>
        new() { Value = rows.Select(select).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };
}
