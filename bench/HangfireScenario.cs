using System.Diagnostics;
using System.Globalization;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;

namespace OrleansTasks.Bench;

/// <summary>
/// The baseline issue 18's throughput target is stated against: N no-op Hangfire jobs on the same PostgreSQL, enqueued
/// with a bounded number of enqueues in flight and counted when each has run. Hangfire is given its fastest set-up here:
/// its storage in a schema of its own, LISTEN/NOTIFY long polling with the shortest queue poll it accepts (50 ms), and
/// its default worker count.
/// </summary>
internal static class HangfireScenario
{
    public static async Task<string> RunAsync(BenchArguments arguments)
    {
        var runs = arguments.GetInt("runs", 2000);
        var workers = arguments.GetInt("workers", DefaultWorkers);
        var concurrency = arguments.GetInt("concurrency", 20);
        var connectionString = arguments.Get("postgres") ?? throw new ArgumentException("hangfire needs --postgres: Hangfire is measured on PostgreSQL.");
        return (await MeasureAsync(connectionString, runs, workers, concurrency)).Line;
    }

    /// <summary>Hangfire's own default: five per core, at most 20 (10 on two cores measured faster here than 20 or 40).</summary>
    public static int DefaultWorkers => Math.Min(Environment.ProcessorCount * 5, 20);

    /// <summary>Runs the scenario; returns its result line and the rate in it, for a caller that compares against it.</summary>
    public static async Task<(string Line, double RunsPerSecond)> MeasureAsync(string connectionString, int runs, int workers, int concurrency)
    {
        if (runs < 1 || workers < 1 || concurrency < 1)
        {
            throw new ArgumentException($"hangfire needs --runs, --workers and --concurrency of at least 1 (they were {runs}, {workers}, {concurrency}).");
        }

        var options = new PostgreSqlStorageOptions
        {
            SchemaName = "hangfire_bench",
            PrepareSchemaIfNecessary = true,
            QueuePollInterval = TimeSpan.FromMilliseconds(50),
            EnableLongPolling = true,
        };
        var storage = new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, options), options);
        var client = new BackgroundJobClient(storage);
        using var server = new BackgroundJobServer(new BackgroundJobServerOptions { WorkerCount = workers }, storage);

        // Warm the paths (JIT, connection pool, the schema) before measuring.
        await DriveAsync(client, Math.Min(runs, 200), concurrency);

        var cpu = new CpuMeter();
        var clock = Stopwatch.StartNew();
        await DriveAsync(client, runs, concurrency);
        var seconds = clock.Elapsed.TotalSeconds;
        var rate = runs / seconds;
        return (string.Create(CultureInfo.InvariantCulture,
            $"hangfire runs={runs} seconds={seconds:F2} runs_per_s={rate:F0} workers={workers} {cpu.PerRun(runs)}"), rate);
    }

    private static async Task DriveAsync(BackgroundJobClient client, int runs, int concurrency)
    {
        var done = HangfireNoOp.Expect(runs);
        var next = -1;
        var enqueuers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(() =>
        {
            while (Interlocked.Increment(ref next) < runs)
            {
                client.Enqueue(() => HangfireNoOp.Run());
            }
        }));
        await Task.WhenAll(enqueuers);
        await done.WaitAsync(TimeSpan.FromMinutes(10));
    }
}

/// <summary>The no-op job: counts itself, and ends the wait when the last expected job has run.</summary>
public static class HangfireNoOp
{
    private static int s_remaining;
    private static TaskCompletionSource? s_done;

    internal static Task Expect(int runs)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        s_done = done;
        Volatile.Write(ref s_remaining, runs);
        return done.Task;
    }

    public static void Run()
    {
        if (Interlocked.Decrement(ref s_remaining) == 0)
        {
            s_done?.TrySetResult();
        }
    }
}
