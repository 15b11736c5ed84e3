using Microsoft.Extensions.Logging;
using Npgsql;

namespace OrleansTasks.Storage.Postgres;

/// <summary>
/// Keeps PostgreSQL's statistics of the <c>runs</c> table from lagging far behind its size while it is young. The run
/// store's statements are prepared, and after five executions PostgreSQL may keep one generic plan per statement and
/// connection; one made while the table was new (a fresh database, never analyzed) scans the whole table, and it stays
/// in use until the table is next analyzed, which autovacuum does only on its next round, up to a minute later. On a
/// fresh database that made each group commit's save walk the table (README, "A fresh database" under the benchmark,
/// has the figures). So when this silo alone has inserted more rows than the statistics say the table holds, it
/// analyzes the table (which also drops the cached plans); it checks at a few milestones only, so a table with current
/// statistics costs one catalog read at each.
/// </summary>
internal sealed partial class RunStatistics(NpgsqlDataSource dataSource, ILogger logger)
{
    /// <summary>Inserts since this store started at which the statistics are checked.</summary>
    internal static readonly long[] Milestones = [500, 5_000, 50_000];

    private long _inserted;
    private int _checking;

    /// <summary>Counts rows this store inserted; crossing a milestone checks the statistics in the background.</summary>
    public void Inserted(int rows)
    {
        if (rows <= 0)
        {
            return;
        }

        var after = Interlocked.Add(ref _inserted, rows);
        var before = after - rows;
        if (Array.Exists(Milestones, m => before < m && after >= m) && Interlocked.Exchange(ref _checking, 1) == 0)
        {
            _ = Task.Run(() => CheckAsync(after));
        }
    }

    private async Task CheckAsync(long inserted)
    {
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync().ConfigureAwait(false);
            await using var read = new NpgsqlCommand("SELECT reltuples FROM pg_class WHERE oid = 'runs'::regclass", connection);
            var known = Convert.ToDouble(await read.ExecuteScalarAsync().ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
            if (known < inserted / 2.0)
            {
                await using var analyze = new NpgsqlCommand("ANALYZE runs", connection);
                await analyze.ExecuteNonQueryAsync().ConfigureAwait(false);
                LogAnalyzed(inserted, known);
            }
        }
        catch (Exception exception)
        {
            LogCheckFailed(exception);
        }
        finally
        {
            Volatile.Write(ref _checking, 0);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Analyzed the runs table: this silo has inserted {Inserted} rows and its statistics counted {Known}.")]
    private partial void LogAnalyzed(long inserted, double known);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not check the runs table's statistics; autovacuum will analyze it in time.")]
    private partial void LogCheckFailed(Exception exception);
}
