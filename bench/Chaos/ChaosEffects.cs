using Npgsql;

namespace OrleansTasks.Bench.Chaos;

/// <summary>
/// The side-effect table: each step of a chaos task inserts one row, so a step that ran twice shows as two rows for
/// the same run and step, with the process that wrote each.
/// </summary>
internal static class ChaosEffects
{
    public const string CreateTableSql = """
        CREATE TABLE chaos_effects
        (
            id      bigserial   PRIMARY KEY,
            run_id  text        NOT NULL,
            step    text        NOT NULL,
            attempt int         NOT NULL,
            pid     int         NOT NULL,
            at      timestamptz NOT NULL DEFAULT clock_timestamp()
        )
        """;

    /// <summary>Records that <paramref name="step"/> of the current run's attempt ran in this process.</summary>
    public static async Task RecordAsync(NpgsqlDataSource database, TaskContext context, string step, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("INSERT INTO chaos_effects (run_id, step, attempt, pid) VALUES ($1, $2, $3, $4)");
        command.Parameters.AddWithValue(context.RunId);
        command.Parameters.AddWithValue(step);
        command.Parameters.AddWithValue(context.Attempt);
        command.Parameters.AddWithValue(Environment.ProcessId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
