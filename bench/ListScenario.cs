using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansTasks.Listing;
using OrleansTasks.Storage.Postgres;

namespace OrleansTasks.Bench;

/// <summary>
/// How fast a page of runs comes back from a big table. Fills the runs table with N synthetic runs (see
/// <see cref="ListRunsFill"/>), then for each typical filter times the first page, and the third page reached through the
/// cursor, over several repetitions, through <see cref="PostgresRunStore.ListAsync"/> (the query a listing runs).
/// </summary>
internal static class ListScenario
{
    private const int PageSize = RunFilter.DefaultPageSize;

    public static async Task<string> RunAsync(BenchArguments arguments)
    {
        var rows = arguments.GetInt("rows", 1_000_000);
        var repetitions = arguments.GetInt("repetitions", 30);
        var connectionString = arguments.Get("postgres")
            ?? throw new ArgumentException("The list scenario needs a database: --postgres \"<connection string>\".");

        // The run store's own data source (statements prepared per connection), as a silo has it.
        await using var dataSource = OrleansTasks.Hosting.SiloBuilderExtensions.CreateRunStoreDataSource(connectionString);
        await new PostgresMigrator(dataSource, NullLogger<PostgresMigrator>.Instance).MigrateAsync(CancellationToken.None);
        if (arguments.Get("fill") != "no")
        {
            var filling = Stopwatch.StartNew();
            await ListRunsFill.FillAsync(dataSource, rows);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fill rows={rows} seconds={filling.Elapsed.TotalSeconds:F1}"));
        }

        await using var store = new PostgresRunStore(dataSource, ListRunsFill.ServiceId, NullLogger<PostgresRunStore>.Instance);
        var now = DateTimeOffset.UtcNow;
        (string Name, RunFilter Filter)[] filters =
        [
            ("none", new RunFilter()),
            ("status=FAILED", new RunFilter { Statuses = [RunStatus.Failed] }),
            ("status=COMPLETED", new RunFilter { Statuses = [RunStatus.Completed] }),
            ("status=QUEUED", new RunFilter { Statuses = [RunStatus.Queued] }),
            ("status=failures", new RunFilter { Statuses = [RunStatus.Failed, RunStatus.Crashed, RunStatus.TimedOut, RunStatus.SystemFailure] }),
            ("task", new RunFilter { TaskIds = ["task-7"] }),
            ("task+status=FAILED", new RunFilter { TaskIds = ["task-7"], Statuses = [RunStatus.Failed] }),
            ("tag=user", new RunFilter { Tags = ["user:4242"] }),
            ("tag=env", new RunFilter { Tags = ["env:prod"] }),
            ("tag=priority", new RunFilter { Tags = ["priority:high"] }),
            ("batch", new RunFilter { BatchId = ListRunsFill.SomeBatchId(rows) }),
            ("queue", new RunFilter { Queues = ["shared-2"] }),
            ("day", new RunFilter { From = now.AddDays(-10), To = now.AddDays(-9) }),
            ("idempotency_key", new RunFilter { IdempotencyKey = ListRunsFill.SomeIdempotencyKey(rows) }),
        ];

        var allFirst = new List<double>();
        var worst = (Name: "", P99: 0.0);
        foreach (var (name, filter) in filters)
        {
            var first = new double[repetitions];
            var third = new double[repetitions];
            var found = 0;

            // One untimed round first, so the figures describe a warm cache, as a dashboard in use has.
            for (var rep = -1; rep < repetitions; rep++)
            {
                var clock = Stopwatch.StartNew();
                var page1 = await store.ListAsync(filter, null, PageSize);
                var firstMs = clock.Elapsed.TotalMilliseconds;
                var page2 = page1.Count == PageSize ? await store.ListAsync(filter, RunCursor.After(page1[^1]), PageSize) : [];
                clock.Restart();
                var page3 = page2.Count == PageSize ? await store.ListAsync(filter, RunCursor.After(page2[^1]), PageSize) : [];
                var thirdMs = clock.Elapsed.TotalMilliseconds;
                if (rep >= 0)
                {
                    (first[rep], third[rep]) = (firstMs, page2.Count == PageSize ? thirdMs : double.NaN);
                }

                found = page1.Count + page2.Count + page3.Count;
            }

            var firstSorted = ThroughputScenario.Sorted(first);
            var thirdSorted = ThroughputScenario.Sorted(third.Where(t => !double.IsNaN(t)));
            var p99 = ThroughputScenario.Percentile(firstSorted, 0.99);
            allFirst.AddRange(first);
            if (p99 > worst.P99)
            {
                worst = (name, p99);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"list filter={name} runs_in_3_pages={found} first_p50_ms={ThroughputScenario.Percentile(firstSorted, 0.50):F2} first_p99_ms={p99:F2} third_p50_ms={ThroughputScenario.Percentile(thirdSorted, 0.50):F2} third_p99_ms={ThroughputScenario.Percentile(thirdSorted, 0.99):F2}"));
        }

        var sorted = ThroughputScenario.Sorted(allFirst);
        return string.Create(CultureInfo.InvariantCulture,
            $"list rows={rows} p50_ms={ThroughputScenario.Percentile(sorted, 0.50):F2} p99_ms={ThroughputScenario.Percentile(sorted, 0.99):F2} worst_filter={worst.Name}");
    }
}
