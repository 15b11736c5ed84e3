using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansTasks.Storage.Postgres;

namespace OrleansTasks.Bench;

/// <summary>
/// For <c>throughput --prefill N</c>: the table a long-lived deployment has after retention has run. N synthetic runs
/// (a month's worth, mostly finished, as <see cref="ListRunsFill"/> makes them, under a service of their own) are
/// written, then every finished one is deleted the way each silo's retention cleaner deletes them: batches of 1,000
/// through <see cref="PostgresRunStore.DeleteFinishedBeforeAsync"/>. The throughput run that follows works on the
/// table as that leaves it, dead rows and all, with autovacuum left to do what it does.
/// </summary>
internal static class RetentionPrefill
{
    private const int BatchSize = 1_000;

    public static async Task<string> RunAsync(string connectionString, int rows)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await new PostgresMigrator(dataSource, NullLogger<PostgresMigrator>.Instance).MigrateAsync(CancellationToken.None);

        var clock = Stopwatch.StartNew();
        await ListRunsFill.FillAsync(dataSource, rows);
        var fillSeconds = clock.Elapsed.TotalSeconds;

        await using var store = new PostgresRunStore(dataSource, ListRunsFill.ServiceId, NullLogger<PostgresRunStore>.Instance);
        var cutoff = DateTimeOffset.UtcNow.AddDays(1);
        var deleted = 0;
        var batches = 0;
        var slowestBatch = TimeSpan.Zero;
        clock.Restart();
        while (true)
        {
            var batchStarted = Stopwatch.GetTimestamp();
            var ids = await store.DeleteFinishedBeforeAsync(cutoff, BatchSize);
            var took = Stopwatch.GetElapsedTime(batchStarted);
            slowestBatch = took > slowestBatch ? took : slowestBatch;
            deleted += ids.Count;
            batches++;
            if (ids.Count < BatchSize)
            {
                break;
            }
        }

        var cleanSeconds = clock.Elapsed.TotalSeconds;
        return string.Create(CultureInfo.InvariantCulture,
            $"prefill rows={rows} fill_seconds={fillSeconds:F1} deleted={deleted} batches={batches} clean_seconds={cleanSeconds:F1} deleted_per_s={deleted / cleanSeconds:F0} slowest_batch_ms={slowestBatch.TotalMilliseconds:F0}");
    }
}
