using Npgsql;
using OrleansTasks.Listing;

namespace OrleansTasks.Storage.Postgres;

internal sealed partial class PostgresRunStore
{
    public async Task<IReadOnlyList<RunSummary>> ListAsync(RunFilter filter, RunCursor? after, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = RunListQuery.Create(_dataSource, _serviceId, filter, after, limit);
        var page = new List<RunSummary>(Math.Min(limit, 128));
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            page.Add(ReadSummary(reader));
        }

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
    };
}
