using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace OrleansTasks.Waitpoints.Postgres;

/// <summary>The <c>waitpoint_tokens</c> table. Tokens change rarely next to runs, so each write is its own statement.</summary>
internal sealed class PostgresWaitpointStore(NpgsqlDataSource dataSource, string serviceId) : IWaitpointStore
{
    private const string Columns = "id, status, created_at, completed_at, timeout_at, idempotency_key, idempotency_expires_at, tags, output, waiters";

    public async Task<WaitpointState?> LoadAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM waitpoint_tokens WHERE id = $1 AND {Storage.Postgres.ServiceScope.ByKey("$2")}");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        command.Parameters.Add(Service());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    public async Task SaveAsync(WaitpointState state, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO waitpoint_tokens (id, service_id, status, created_at, completed_at, timeout_at, idempotency_key, idempotency_expires_at, tags, output, waiters)
            VALUES ($1, $11, $2, $3, $4, $5, $6, $7, $8, $9::json, $10::json)
            ON CONFLICT (id) DO UPDATE
            SET status = excluded.status, completed_at = excluded.completed_at, output = excluded.output, waiters = excluded.waiters
            """);
        var parameters = command.Parameters;
        parameters.Add(new NpgsqlParameter<string> { TypedValue = state.Id });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = state.Status.ToString() });
        parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = state.CreatedAt.UtcDateTime });
        parameters.Add(Time(state.CompletedAt));
        parameters.Add(Time(state.TimeoutAt));
        parameters.Add(new NpgsqlParameter { Value = (object?)state.IdempotencyKey ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        parameters.Add(Time(state.IdempotencyExpiresAt));
        parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. state.Tags] });
        parameters.Add(new NpgsqlParameter { Value = (object?)state.OutputJson ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = JsonSerializer.Serialize(state.Waiters, TaskJson.Options) });
        parameters.Add(Service());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<string?> FindByIdempotencyKeyAsync(string idempotencyKey, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id FROM waitpoint_tokens
            WHERE service_id = $3 AND idempotency_key = $1 AND idempotency_expires_at > $2
            ORDER BY created_at DESC LIMIT 1
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = idempotencyKey });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now.UtcDateTime });
        command.Parameters.Add(Service());
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as string;
    }

    public async Task<IReadOnlyList<WaitpointToken>> ListAsync(WaitpointTokenFilter filter, WaitpointCursor? after, int limit, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        // A waiting token past its timeout is timed out, whether or not anything has looked at it since.
        await using var command = dataSource.CreateCommand($"""
            SELECT {Columns} FROM waitpoint_tokens
            WHERE service_id = $10
              AND ($1::text IS NULL OR (CASE WHEN status = 'Waiting' AND timeout_at <= $7 THEN 'TimedOut' ELSE status END) = $1)
              AND ($2::text IS NULL OR idempotency_key = $2)
              AND ($3::text[] IS NULL OR tags && $3)
              AND ($4::timestamptz IS NULL OR created_at >= $4)
              AND ($5::timestamptz IS NULL OR created_at < $5)
              AND ($6::timestamptz IS NULL OR (created_at, id) < ($6, $8))
            ORDER BY created_at DESC, id DESC
            LIMIT $9
            """);
        var parameters = command.Parameters;
        parameters.Add(new NpgsqlParameter { Value = (object?)filter.Status?.ToString() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter { Value = (object?)filter.IdempotencyKey ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter { Value = filter.Tags is { Count: > 0 } tags ? tags.ToArray() : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        parameters.Add(Time(filter.From));
        parameters.Add(Time(filter.To));
        parameters.Add(Time(after?.CreatedAt));
        parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now.UtcDateTime });
        parameters.Add(new NpgsqlParameter { Value = (object?)after?.Id ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        parameters.Add(Service());
        var tokens = new List<WaitpointToken>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            tokens.Add(WaitpointTokenGrain.WithTimeout(Read(reader), now).ToToken());
        }

        return tokens;
    }

    private NpgsqlParameter<string> Service() => new() { TypedValue = serviceId };

    private static NpgsqlParameter Time(DateTimeOffset? value) =>
        new() { Value = value is { } v ? v.UtcDateTime : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz };

    private static WaitpointState Read(NpgsqlDataReader reader) => new()
    {
        Id = reader.GetString(0),
        Status = Enum.Parse<WaitpointStatus>(reader.GetString(1)),
        CreatedAt = reader.GetFieldValue<DateTimeOffset>(2),
        CompletedAt = reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3),
        TimeoutAt = reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4),
        IdempotencyKey = reader.IsDBNull(5) ? null : reader.GetString(5),
        IdempotencyExpiresAt = reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
        Tags = [.. reader.GetFieldValue<string[]>(7)],
        OutputJson = reader.IsDBNull(8) ? null : reader.GetString(8),
        Waiters = JsonSerializer.Deserialize<List<WaitpointWaiter>>(reader.GetString(9), TaskJson.Options) ?? [],
    };
}
