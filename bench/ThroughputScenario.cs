using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace OrleansTasks.Bench;

/// <summary>
/// N runs of a no-op task, triggered through the client with a bounded number in flight, each awaited until it is
/// durably complete. Start latency is from the trigger call returning to the attempt starting.
/// </summary>
internal static class ThroughputScenario
{
    public static async Task<string> RunAsync(BenchArguments arguments)
    {
        var runs = arguments.GetInt("runs", 10_000);
        var concurrency = arguments.GetInt("concurrency", 1000);
        var connectionString = arguments.Get("postgres");

        // The environment limit (default 100) caps runs holding a slot; a no-op run holds one only for its grant's
        // round trip, so by default it is raised to the number in flight and the engine, not the limit, is measured.
        var environmentLimit = arguments.GetInt("environment-limit", concurrency);

        // --prefill N: first fill the table with N runs of another service and delete the finished ones as retention
        // does, so the runs measured work on a table a month of use and its clean-up have left behind.
        if (arguments.GetInt("prefill", 0) is > 0 and var prefill)
        {
            Console.WriteLine(await RetentionPrefill.RunAsync(connectionString ?? throw new ArgumentException("--prefill needs --postgres."), prefill));
        }

        // --hangfire N: first N Hangfire jobs on the same server, so the result says how many times Hangfire's rate this is
        // in the same sitting (the target is stated that way).
        double? hangfireRate = null;
        if (arguments.GetInt("hangfire", 0) is > 0 and var hangfireRuns)
        {
            var (line, rate) = await HangfireScenario.MeasureAsync(connectionString ?? throw new ArgumentException("--hangfire needs --postgres."), hangfireRuns, HangfireScenario.DefaultWorkers, concurrency: 20);
            Console.WriteLine(line);
            hangfireRate = rate;
        }

        await using var cluster = await BenchCluster.StartAsync(connectionString, tasks => tasks
            .AddTask<NoOpTask>()
            .Configure(o => o.EnvironmentConcurrencyLimit = Math.Min(QueueOptions.MaxConcurrencyLimit, environmentLimit)));

        // Warm the paths (tiered JIT, connection pool, grain types) so the figures describe the steady state.
        await DriveAsync(cluster.Tasks, Math.Min(runs, 5000), concurrency, new ConcurrentDictionary<string, Trigger>());
        NoOpTask.Started.Clear();

        var triggered = new ConcurrentDictionary<string, Trigger>(concurrencyLevel: Environment.ProcessorCount, capacity: runs);
        var cpu = new CpuMeter();
        var clock = Stopwatch.StartNew();
        await DriveAsync(cluster.Tasks, runs, concurrency, triggered);
        var seconds = clock.Elapsed.TotalSeconds;
        var cpuPerRun = cpu.PerRun(runs);
        var runtime = cpu.Runtime(runs);

        var timings = triggered.Select(t => (Trigger: t.Value, Started: NoOpTask.Started[t.Key])).ToList();

        // "Start" as the benchmark defines it: from the trigger call returning to the attempt starting. A run whose
        // attempt began before the call returned (its grain dispatches it before answering) waited 0 ms.
        var start = Sorted(timings.Select(t => Math.Max(0, Milliseconds(t.Trigger.Returned, t.Started))));
        var call = Sorted(timings.Select(t => Milliseconds(t.Trigger.Called, t.Trigger.Returned)));
        var callToStart = Sorted(timings.Select(t => Milliseconds(t.Trigger.Called, t.Started)));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"detail trigger_call_p50_ms={Percentile(call, 0.50):F1} trigger_call_p99_ms={Percentile(call, 0.99):F1} call_to_start_p50_ms={Percentile(callToStart, 0.50):F1} call_to_start_p99_ms={Percentile(callToStart, 0.99):F1} in_flight={concurrency} environment_limit={environmentLimit} {runtime}"));
        var versusHangfire = hangfireRate is { } hangfireRunsPerSecond ? string.Create(CultureInfo.InvariantCulture, $" hangfire_runs_per_s={hangfireRunsPerSecond:F0} times_hangfire={runs / seconds / hangfireRunsPerSecond:F1}") : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"throughput storage={(connectionString is null ? "memory" : "postgres")} runs={runs} seconds={seconds:F2} runs_per_s={runs / seconds:F0} start_p50_ms={Percentile(start, 0.50):F1} start_p99_ms={Percentile(start, 0.99):F1} {cpuPerRun}{versusHangfire}");
    }

    private static async Task DriveAsync(ITaskClient tasks, int runs, int concurrency, ConcurrentDictionary<string, Trigger> triggered)
    {
        var next = -1;
        var failures = 0;
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < runs)
            {
                var called = Stopwatch.GetTimestamp();
                var handle = await tasks.For<NoOpTask>().TriggerAsync(new NoOpPayload());
                triggered[handle.Id] = new Trigger(called, Stopwatch.GetTimestamp());
                var run = await tasks.Runs.PollAsync(handle.Id);
                if (run.Status != RunStatus.Completed)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        });
        await Task.WhenAll(workers);
        if (failures > 0)
        {
            throw new InvalidOperationException($"{failures} of {runs} runs did not complete.");
        }
    }

    private static double Milliseconds(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;

    internal static double[] Sorted(IEnumerable<double> values) => [.. values.Order()];

    internal static double Percentile(double[] sorted, double percentile) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(percentile * sorted.Length) - 1)];

    private readonly record struct Trigger(long Called, long Returned);
}
