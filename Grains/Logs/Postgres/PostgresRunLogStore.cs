using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace OrleansTasks.Logs.Postgres;

/// <summary>
/// The <c>run_logs</c> table. A batch of entries is one statement (the columns sent as arrays and unnested), so the
/// writer's batch costs one round trip and one commit; entries stored already are skipped by the primary key.
/// </summary>
internal sealed class PostgresRunLogStore(NpgsqlDataSource dataSource, string serviceId) : IRunLogStore
{
    // The rows are inserted in the batch's order, so the identity column numbers them in the order they were written.
    private const string InsertSql = """
        INSERT INTO run_logs (service_id, run_id, attempt, key, level, message, properties, exception, trace_id, span_id, logged_at)
        SELECT $1, u.run_id, u.attempt, u.key, u.level, u.message, u.properties::jsonb, u.exception, u.trace_id, u.span_id, u.logged_at
        FROM unnest($2::text[], $3::integer[], $4::text[], $5::smallint[], $6::text[], $7::text[], $8::text[], $9::text[],
                    $10::text[], $11::timestamptz[])
             WITH ORDINALITY AS u(run_id, attempt, key, level, message, properties, exception, trace_id, span_id, logged_at, position)
        ORDER BY u.position
        ON CONFLICT (service_id, run_id, attempt, key) DO NOTHING
        """;

    private const string ListSql = """
        SELECT run_id, attempt, key, level, message, properties, exception, trace_id, span_id, logged_at
        FROM run_logs
        WHERE service_id = $1 AND run_id = $2
        ORDER BY id
        LIMIT $3
        """;

    // Rows are picked by their physical address and deleted in one statement. SKIP LOCKED lets the cleaners of several
    // silos, which run at about the same times, share out the rows instead of queueing on each other's.
    private const string DeleteSql = """
        DELETE FROM run_logs
        WHERE ctid = ANY(ARRAY(
            SELECT ctid FROM run_logs
            WHERE service_id = $1 AND logged_at < $2
            LIMIT $3
            FOR UPDATE SKIP LOCKED))
        """;

    public async Task AppendAsync(IReadOnlyList<RunLogEntry> entries, CancellationToken cancellationToken = default)
    {
        if (entries.Count == 0)
        {
            return;
        }

        await using var command = dataSource.CreateCommand(InsertSql);
        var parameters = command.Parameters;
        parameters.Add(new NpgsqlParameter<string> { TypedValue = serviceId });
        parameters.Add(Texts(entries, e => e.RunId));
        parameters.Add(new NpgsqlParameter<int[]> { TypedValue = [.. entries.Select(e => e.Attempt)] });
        parameters.Add(Texts(entries, e => e.Key));
        parameters.Add(new NpgsqlParameter<short[]> { TypedValue = [.. entries.Select(e => (short)e.Level)] });
        parameters.Add(Texts(entries, e => e.Message));
        parameters.Add(Texts(entries, e => SerializeProperties(e.Properties)));
        parameters.Add(Texts(entries, e => e.Exception));
        parameters.Add(Texts(entries, e => e.TraceId));
        parameters.Add(Texts(entries, e => e.SpanId));
        parameters.Add(new NpgsqlParameter<DateTime[]> { TypedValue = [.. entries.Select(e => e.Timestamp.UtcDateTime)] });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<RunLogEntry>> ListAsync(string runId, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(ListSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = serviceId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = runId });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        var entries = new List<RunLogEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new RunLogEntry
            {
                RunId = reader.GetString(0),
                Attempt = reader.GetInt32(1),
                Key = reader.GetString(2),
                Level = (RunLogLevel)reader.GetInt16(3),
                Message = reader.GetString(4),
                Properties = JsonSerializer.Deserialize<Dictionary<string, string?>>(reader.GetString(5)) ?? [],
                Exception = reader.IsDBNull(6) ? null : reader.GetString(6),
                TraceId = reader.IsDBNull(7) ? null : reader.GetString(7),
                SpanId = reader.IsDBNull(8) ? null : reader.GetString(8),
                Timestamp = reader.GetFieldValue<DateTimeOffset>(9),
            });
        }

        return entries;
    }

    public async Task DeleteRunsAsync(IReadOnlyList<string> runIds, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM run_logs WHERE service_id = $1 AND run_id = ANY($2)");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = serviceId });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. runIds] });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<int> DeleteOlderThanAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(DeleteSql);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = serviceId });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = cutoff.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = batchSize });
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static NpgsqlParameter Texts(IReadOnlyList<RunLogEntry> entries, Func<RunLogEntry, string?> select) =>
        new() { Value = entries.Select(e => ToStorable(select(e))).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    private static string SerializeProperties(IReadOnlyDictionary<string, string?> properties)
    {
        if (properties.Count == 0)
        {
            return "{}";
        }

        var storable = new Dictionary<string, string?>(properties.Count, StringComparer.Ordinal);
        foreach (var (name, value) in properties)
        {
            storable[ToStorable(name)!] = ToStorable(value);
        }

        return JsonSerializer.Serialize(storable);
    }

    /// <summary>
    /// The text with what PostgreSQL refuses replaced by U+FFFD: NUL, which no text or jsonb value may hold, and a lone
    /// surrogate, which is not UTF-8. Task code logs arbitrary strings, and one such line must not fail its whole batch.
    /// </summary>
    internal static string? ToStorable(string? text)
    {
        if (text is null || (!text.Contains('\0', StringComparison.Ordinal) && !text.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF')))
        {
            return text;
        }

        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(c).Append(text[++i]);
            }
            else
            {
                builder.Append(c == '\0' || char.IsSurrogate(c) ? '\uFFFD' : c);
            }
        }

        return builder.ToString();
    }
}
