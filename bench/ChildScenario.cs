using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace OrleansTasks.Bench;

/// <summary>N parents, each triggering a no-op child and waiting for it; the round trip is measured inside the parent.</summary>
internal static class ChildScenario
{
    public static async Task<string> RunAsync(BenchArguments arguments)
    {
        var runs = arguments.GetInt("runs", 10_000);
        var concurrency = arguments.GetInt("concurrency", 500);
        var connectionString = arguments.Get("postgres");
        await using var cluster = await BenchCluster.StartAsync(connectionString, tasks => tasks.AddTask<ChildTask>().AddTask<ParentTask>());

        await DriveAsync(cluster.Tasks, Math.Min(runs, 2000), concurrency);
        ParentTask.RoundTrips.Clear();

        var cpu = new CpuMeter();
        var clock = Stopwatch.StartNew();
        await DriveAsync(cluster.Tasks, runs, concurrency);
        var seconds = clock.Elapsed.TotalSeconds;
        var cpuPerRun = cpu.PerRun(runs);

        var roundTrips = ThroughputScenario.Sorted(ParentTask.RoundTrips.Values);
        return string.Create(CultureInfo.InvariantCulture,
            $"child runs={runs} runs_per_s={runs / seconds:F0} roundtrip_p50_ms={ThroughputScenario.Percentile(roundTrips, 0.50):F1} roundtrip_p99_ms={ThroughputScenario.Percentile(roundTrips, 0.99):F1} {cpuPerRun}");
    }

    private static async Task DriveAsync(ITaskClient tasks, int runs, int concurrency)
    {
        var next = -1;
        var failures = 0;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < runs)
            {
                var handle = await tasks.For<ParentTask>().TriggerAsync(new NoOpPayload());
                if ((await tasks.Runs.PollAsync(handle.Id)).Status != RunStatus.Completed)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }));
        if (failures > 0)
        {
            throw new InvalidOperationException($"{failures} of {runs} parent runs did not complete.");
        }
    }

    /// <summary>Triggers a no-op child and waits for it, noting how long that took.</summary>
    public sealed class ParentTask(ChildTask child) : TaskDefinition<NoOpPayload, bool>
    {
        internal static readonly ConcurrentDictionary<string, double> RoundTrips = new();

        public override string Id => "bench-parent";

        public override async Task<bool> RunAsync(NoOpPayload payload, TaskContext context, CancellationToken cancellationToken)
        {
            var started = Stopwatch.GetTimestamp();
            var result = await child.TriggerAndWaitAsync(new NoOpPayload());
            RoundTrips.TryAdd(context.RunId, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return result.Unwrap();
        }
    }

    /// <summary>Does nothing.</summary>
    public sealed class ChildTask : TaskDefinition<NoOpPayload, bool>
    {
        public override string Id => "bench-child";

        public override Task<bool> RunAsync(NoOpPayload payload, TaskContext context, CancellationToken cancellationToken) => Task.FromResult(true);
    }
}
