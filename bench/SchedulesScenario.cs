using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace OrleansTasks.Bench;

/// <summary>
/// S schedules each firing every minute for M minutes, on PostgreSQL, plus I idle schedules that only sit registered
/// (a pattern that does not come round in the test). Counts, for the whole minutes after every schedule exists, the
/// occurrences expected, those whose run started, duplicates (an occurrence with two runs, from the runs table) and
/// those missed; lateness is from the nominal time to the run's first attempt starting. Memory is the bench process's
/// (silo and client) peak resident set while the schedules fire.
/// </summary>
internal static class SchedulesScenario
{
    public static async Task<string> RunAsync(BenchArguments arguments)
    {
        var count = arguments.GetInt("count", 10_000);
        var minutes = arguments.GetInt("minutes", 3);
        var idle = arguments.GetInt("idle", 0);
        var concurrency = arguments.GetInt("concurrency", 200);
        var environmentLimit = arguments.GetInt("environment-limit", 1000);
        var connectionString = arguments.Get("postgres"); // without it, in memory (for comparison; duplicates are then the task's count)

        await using var cluster = await BenchCluster.StartAsync(
            connectionString,
            tasks => tasks.AddTask<BenchScheduledTask>().Configure(o => o.EnvironmentConcurrencyLimit = environmentLimit));

        var clock = Stopwatch.StartNew();
        await CreateAsync(cluster, idle, concurrency, i => new CreateScheduleOptions { Task = BenchScheduledTask.TaskId, Cron = "0 0 1 1 *", DeduplicationKey = $"idle-{i}" });
        var idleSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        await CreateAsync(cluster, count, concurrency, i => new CreateScheduleOptions { Task = BenchScheduledTask.TaskId, Cron = "* * * * *", DeduplicationKey = $"minutely-{i}" });
        var createSeconds = clock.Elapsed.TotalSeconds;

        // The measured minutes start at the first minute every schedule can fire ahead of (its lead is 10 s).
        var first = CronPattern.Parse("* * * * *").NextAfter(DateTimeOffset.UtcNow + TimeSpan.FromSeconds(15) - TimeSpan.FromTicks(1))!.Value;
        var last = first.AddMinutes(minutes - 1);
        var rssPeak = 0L;
        Console.Error.WriteLine($"progress: {count} schedules created in {createSeconds:F1} s ({idle} idle in {idleSeconds:F1} s); measuring {first:HH:mm} to {last:HH:mm}");
        var until = last + TimeSpan.FromSeconds(30);
        using var pauses = new GcPauses();
        var samples = new BurstSamples(() => BenchScheduledTask.Started.Count);
        while (DateTimeOffset.UtcNow < until)
        {
            rssPeak = Math.Max(rssPeak, Process.GetCurrentProcess().WorkingSet64);
            await Task.Delay(TimeSpan.FromSeconds(1));
            if (DateTimeOffset.UtcNow.Second == 0)
            {
                Console.Error.WriteLine($"progress {DateTimeOffset.UtcNow:HH:mm:ss}: {BenchScheduledTask.Started.Count} occurrences started, rss {rssPeak >> 20} MB");
            }
        }

        // The collections from the first minute's wave of triggers (its lead before it) to the end.
        var gc = pauses.Describe(first - TimeSpan.FromSeconds(15), last + TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(40));
        var started = BenchScheduledTask.Started.Where(s => s.Key.Nominal >= first && s.Key.Nominal <= last).ToList();
        var expected = (long)count * minutes;
        var (runs, distinct) = connectionString is null
            ? (BenchScheduledTask.Runs.Count(r => r.Key.Nominal >= first && r.Key.Nominal <= last), (long)started.Count)
            : await CountRunsAsync(connectionString, cluster.ServiceId, first, last);
        var lateness = ThroughputScenario.Sorted(started.Select(s => s.Value.TotalMilliseconds));
        var byMinute = string.Join(",", started.GroupBy(s => s.Key.Nominal).OrderBy(g => g.Key)
            .Select(g => Percentile(ThroughputScenario.Sorted(g.Select(s => s.Value.TotalMilliseconds)), 0.99).ToString("F0", CultureInfo.InvariantCulture)));
        await samples.DisposeAsync();
        BurstSamples.WriteStartRates(started);
        pauses.WriteAllocations();

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"detail create_seconds={createSeconds:F1} idle_create_seconds={idleSeconds:F1} registered={count + idle} runs_in_table={runs} lateness_max_ms={(lateness.Length > 0 ? lateness[^1] : 0):F0} p99_by_minute_ms={byMinute} environment_limit={environmentLimit} {gc}"));
        return string.Create(CultureInfo.InvariantCulture,
            $"schedules count={count} minutes={minutes} expected={expected} fired={started.Count} duplicates={runs - distinct} missed={expected - distinct} lateness_p50_ms={Percentile(lateness, 0.50):F0} lateness_p99_ms={Percentile(lateness, 0.99):F0} silo_rss_mb={rssPeak >> 20}");
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? double.NaN : ThroughputScenario.Percentile(sorted, p);

    private static async Task CreateAsync(BenchCluster cluster, int count, int concurrency, Func<int, CreateScheduleOptions> options)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Math.Min(concurrency, Math.Max(1, count))).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                await cluster.Tasks.Schedules.CreateAsync(options(i));
            }
        }));
    }

    /// <summary>The runs the measured occurrences made, and how many distinct occurrences they are: the table's word, not the task's.</summary>
    private static async Task<(long Runs, long Distinct)> CountRunsAsync(string connectionString, string serviceId, DateTimeOffset first, DateTimeOffset last)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("""
            SELECT count(*), count(DISTINCT (schedule_id, state->>'scheduleOccurrence'))
            FROM runs
            WHERE service_id = $1 AND schedule_id IS NOT NULL
              AND (state->>'scheduleOccurrence')::timestamptz BETWEEN $2 AND $3
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = serviceId });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = first.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = last.UtcDateTime });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}

/// <summary>The benchmark's scheduled task: notes when each occurrence's first attempt started, against its nominal time.</summary>
internal sealed class BenchScheduledTask : ScheduledTask<int>
{
    public const string TaskId = "bench-scheduled";

    public static readonly ConcurrentDictionary<(string Schedule, DateTimeOffset Nominal), TimeSpan> Started = new();

    /// <summary>Every run id seen per occurrence (in memory, the only witness of a duplicate).</summary>
    public static readonly ConcurrentDictionary<(string Schedule, DateTimeOffset Nominal, string RunId), bool> Runs = new();

    public override string Id => TaskId;

    public override Task<int> RunAsync(ScheduledPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        Runs.TryAdd((payload.ScheduleId, payload.Timestamp, context.RunId), true);
        if (context.Attempt == 1)
        {
            Started.TryAdd((payload.ScheduleId, payload.Timestamp), DateTimeOffset.UtcNow - payload.Timestamp);
        }

        return Task.FromResult(0);
    }
}
