using Npgsql;
using OrleansTasks.Listing;

namespace OrleansTasks.Storage.Postgres;

internal sealed partial class PostgresRunStore
{
    /// <summary>
    /// Reads one page. The statement is planned for the values of each call: this data source prepares statements it
    /// sees often, and after a few executions PostgreSQL may keep one generic plan for a prepared statement, which for
    /// a listing is wrong for most values (a tag on half the runs and a tag on a hundred want different indexes).
    /// </summary>
    public async Task<IReadOnlyList<RunSummary>> ListAsync(RunFilter filter, RunCursor? after, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("SET LOCAL plan_cache_mode = force_custom_plan"),
                RunListQuery.Create(_serviceId, filter, after, limit),
            },
        };
        var page = new List<RunSummary>(Math.Min(limit, 128));
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                page.Add(ReadSummary(reader));
            }
        }

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return page;
    }

    private static RunSummary ReadSummary(NpgsqlDataReader reader) => new()
    {
        Id = reader.GetString(0),
        TaskId = reader.GetString(1),
        Status = RunStatusExtensions.ParseWireName(reader.GetString(2)),
        Queue = reader.GetString(3),
        ConcurrencyKey = reader.IsDBNull(4) ? null : reader.GetString(4),
        Machine = MachinePresetNames.Parse(reader.GetString(5)),
        Tags = reader.GetFieldValue<string[]>(6),
        BatchId = reader.IsDBNull(7) ? null : reader.GetString(7),
        ParentRunId = reader.IsDBNull(8) ? null : reader.GetString(8),
        RootRunId = reader.IsDBNull(9) ? reader.GetString(0) : reader.GetString(9),
        Depth = reader.GetInt32(10),
        CreatedAt = reader.GetFieldValue<DateTimeOffset>(11),
        UpdatedAt = reader.GetFieldValue<DateTimeOffset>(12),
        StartedAt = reader.IsDBNull(13) ? null : reader.GetFieldValue<DateTimeOffset>(13),
        FinishedAt = reader.IsDBNull(14) ? null : reader.GetFieldValue<DateTimeOffset>(14),
        IdempotencyKey = reader.IsDBNull(15) ? null : reader.GetString(15),
        AttemptCount = reader.IsDBNull(16) ? 0 : reader.GetInt32(16),
        ReplayOf = reader.IsDBNull(17) ? null : reader.GetString(17),
        ErrorMessage = reader.IsDBNull(18) ? null : reader.GetString(18),
        MetadataJson = reader.IsDBNull(19) ? null : reader.GetString(19),
        ScheduleId = reader.IsDBNull(20) ? null : reader.GetString(20),
    };
}
