using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using OrleansTasks.Storage;

namespace OrleansTasks.Schedules.Postgres;

/// <summary>
/// The <c>schedules</c> table. Saves go through a group commit: when a minute's occurrences of thousands of schedules
/// fire together, their progress is written in a few round trips, not one each.
/// </summary>
internal sealed partial class PostgresScheduleStore : IScheduleStore, IAsyncDisposable
{
    private const int MaxBatchSize = 500;

    private const string Columns =
        "id, type, task_id, cron, timezone, \"window\", deduplication_key, external_id, missed, catch_up_ms, overlap, active, "
        + "created_at, updated_at, cursor_at, last_timestamp, last_run_id, wake_at";

    private const string UpsertSql = $"""
        INSERT INTO schedules (service_id, {Columns})
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
        ON CONFLICT (service_id, id) DO UPDATE SET
            type = excluded.type, task_id = excluded.task_id, cron = excluded.cron, timezone = excluded.timezone,
            "window" = excluded."window", deduplication_key = excluded.deduplication_key, external_id = excluded.external_id,
            missed = excluded.missed, catch_up_ms = excluded.catch_up_ms, overlap = excluded.overlap, active = excluded.active,
            updated_at = excluded.updated_at, cursor_at = excluded.cursor_at, last_timestamp = excluded.last_timestamp,
            last_run_id = excluded.last_run_id, wake_at = excluded.wake_at
        """;

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _serviceId;
    private readonly ILogger<PostgresScheduleStore> _logger;
    private readonly GroupCommit<PendingSave> _saves;

    public PostgresScheduleStore(NpgsqlDataSource dataSource, string serviceId, ILogger<PostgresScheduleStore> logger)
    {
        _dataSource = dataSource;
        _serviceId = serviceId;
        _logger = logger;
        _saves = new GroupCommit<PendingSave>(FlushAsync, LogLoopFailed, MaxBatchSize, loops: 2);
    }

    public async Task<ScheduleState?> LoadAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand($"SELECT {Columns} FROM schedules WHERE id = $1 AND service_id = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _serviceId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
    }

    public Task SaveAsync(ScheduleState state, CancellationToken cancellationToken = default)
    {
        var save = new PendingSave(state, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_saves.TryAdd(save))
        {
            throw new ObjectDisposedException(nameof(PostgresScheduleStore), "The schedule store is shutting down.");
        }

        return save.Completion.Task;
    }

    public async Task DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("DELETE FROM schedules WHERE id = $1 AND service_id = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _serviceId });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<(IReadOnlyList<ScheduleState> Page, int Count)> ListAsync(int offset, int limit, string? taskId, CancellationToken cancellationToken = default)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand($"""
                    SELECT {Columns} FROM schedules
                    WHERE service_id = $1 AND ($2::text IS NULL OR task_id = $2)
                    ORDER BY created_at DESC, id DESC OFFSET $3 LIMIT $4
                    """),
                new NpgsqlBatchCommand("SELECT count(*) FROM schedules WHERE service_id = $1 AND ($2::text IS NULL OR task_id = $2)"),
            },
        };
        var page = batch.BatchCommands[0].Parameters;
        page.Add(new NpgsqlParameter<string> { TypedValue = _serviceId });
        page.Add(new NpgsqlParameter { Value = (object?)taskId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        page.Add(new NpgsqlParameter<int> { TypedValue = offset });
        page.Add(new NpgsqlParameter<int> { TypedValue = limit });
        var count = batch.BatchCommands[1].Parameters;
        count.Add(new NpgsqlParameter<string> { TypedValue = _serviceId });
        count.Add(new NpgsqlParameter { Value = (object?)taskId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var schedules = new List<ScheduleState>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            schedules.Add(Read(reader));
        }

        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (schedules, (int)reader.GetInt64(0));
    }

    public async Task<IReadOnlyList<string>> ListDeclarativeAsync(CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("SELECT id FROM schedules WHERE service_id = $1 AND type = 'DECLARATIVE'");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _serviceId });
        return await ReadIdsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<string>> FindOverdueAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("""
            SELECT id FROM schedules WHERE service_id = $1 AND active AND wake_at < $2 ORDER BY wake_at LIMIT $3
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _serviceId });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = before.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        return await ReadIdsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => _saves.DisposeAsync();

    private static async Task<IReadOnlyList<string>> ReadIdsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    /// <summary>Writes a batch in one round trip and one commit; a batch that fails is retried row by row, so one bad row fails only its own caller.</summary>
    private async Task FlushAsync(List<PendingSave> saves)
    {
        try
        {
            await WriteAsync(saves).ConfigureAwait(false);
            saves.ForEach(s => s.Completion.TrySetResult());
        }
        catch (Exception exception) when (saves.Count > 1)
        {
            LogBatchFailed(exception, saves.Count);
            foreach (var save in saves)
            {
                await FlushAsync([save]).ConfigureAwait(false);
            }
        }
        catch (Exception exception)
        {
            saves[0].Completion.TrySetException(exception);
        }
    }

    private async Task WriteAsync(List<PendingSave> saves)
    {
        // Several saves of one schedule in a batch: the newest is written; the others' callers complete with it.
        var newest = new Dictionary<string, ScheduleState>(StringComparer.Ordinal);
        foreach (var save in saves)
        {
            newest[save.State.Id] = save.State;
        }

        await using var connection = await _dataSource.OpenConnectionAsync().ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection);
        foreach (var state in newest.Values)
        {
            var command = new NpgsqlBatchCommand(UpsertSql);
            Bind(command.Parameters, state);
            batch.BatchCommands.Add(command);
        }

        await batch.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private void Bind(NpgsqlParameterCollection parameters, ScheduleState state)
    {
        var spec = state.Spec;
        parameters.Add(new NpgsqlParameter<string> { TypedValue = _serviceId });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = state.Id });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = spec.Type == ScheduleType.Declarative ? "DECLARATIVE" : "IMPERATIVE" });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = spec.TaskId });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = spec.Cron });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = spec.Timezone });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = spec.Window });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = spec.DeduplicationKey });
        parameters.Add(Text(spec.ExternalId));
        parameters.Add(new NpgsqlParameter<string> { TypedValue = spec.MissedOccurrences.ToString() });
        parameters.Add(new NpgsqlParameter<long> { TypedValue = (long)spec.CatchUpWindow.TotalMilliseconds });
        parameters.Add(new NpgsqlParameter<string> { TypedValue = spec.Overlap.ToString() });
        parameters.Add(new NpgsqlParameter<bool> { TypedValue = state.Active });
        parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = state.CreatedAt.UtcDateTime });
        parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = state.UpdatedAt.UtcDateTime });
        parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = state.Cursor.UtcDateTime });
        parameters.Add(Time(state.LastTimestamp));
        parameters.Add(Text(state.LastRunId));
        parameters.Add(Time(state.WakeAt));
    }

    private static ScheduleState Read(NpgsqlDataReader reader) => new()
    {
        Id = reader.GetString(0),
        Spec = new ScheduleSpec
        {
            Type = reader.GetString(1) == "DECLARATIVE" ? ScheduleType.Declarative : ScheduleType.Imperative,
            TaskId = reader.GetString(2),
            Cron = reader.GetString(3),
            Timezone = reader.GetString(4),
            Window = reader.GetString(5),
            DeduplicationKey = reader.GetString(6),
            ExternalId = reader.IsDBNull(7) ? null : reader.GetString(7),
            MissedOccurrences = Enum.Parse<MissedOccurrencePolicy>(reader.GetString(8)),
            CatchUpWindow = TimeSpan.FromMilliseconds(reader.GetInt64(9)),
            Overlap = Enum.Parse<OverlapPolicy>(reader.GetString(10)),
        },
        Active = reader.GetBoolean(11),
        CreatedAt = reader.GetFieldValue<DateTimeOffset>(12),
        UpdatedAt = reader.GetFieldValue<DateTimeOffset>(13),
        Cursor = reader.GetFieldValue<DateTimeOffset>(14),
        LastTimestamp = reader.IsDBNull(15) ? null : reader.GetFieldValue<DateTimeOffset>(15),
        LastRunId = reader.IsDBNull(16) ? null : reader.GetString(16),
        WakeAt = reader.IsDBNull(17) ? null : reader.GetFieldValue<DateTimeOffset>(17),
    };

    private static NpgsqlParameter Text(string? value) => new() { Value = (object?)value ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text };

    private static NpgsqlParameter Time(DateTimeOffset? value) =>
        new() { Value = value is { } v ? v.UtcDateTime : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz };

    [LoggerMessage(Level = LogLevel.Warning, Message = "A batch of {Count} schedule writes failed; retrying them one by one to isolate the cause.")]
    private partial void LogBatchFailed(Exception exception, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "A schedule store batch failed outside its own error handling.")]
    private partial void LogLoopFailed(Exception exception);

    private sealed record PendingSave(ScheduleState State, TaskCompletionSource Completion);
}
