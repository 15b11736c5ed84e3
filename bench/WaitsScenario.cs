using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using OrleansTasks.Storage;

namespace OrleansTasks.Bench;

/// <summary>
/// N runs each wait W seconds, past the suspend threshold, and finish. Measures how many were suspended at once, how
/// late each resumed past its due moment, and the process's memory while they all wait.
/// </summary>
internal static class WaitsScenario
{
    public static async Task<string> RunAsync(BenchArguments arguments)
    {
        var runs = arguments.GetInt("runs", 10_000);
        var waitSeconds = arguments.GetInt("wait-seconds", 60);
        var concurrency = arguments.GetInt("concurrency", 1000);
        var connectionString = arguments.Get("postgres");
        var threshold = TimeSpan.FromSeconds(1);
        if (waitSeconds <= threshold.TotalSeconds)
        {
            throw new ArgumentException($"--wait-seconds must be more than the suspend threshold ({threshold.TotalSeconds} s), so that the runs suspend.");
        }

        await using var cluster = await BenchCluster.StartAsync(
            connectionString,
            tasks => tasks.AddTask<WaitingTask>().Configure(o => o.SuspendThreshold = threshold));

        // Warm the suspend and resume paths (JIT, pools) with a small batch, so the figures describe the steady state.
        WaitingTask.Expected = Math.Min(runs, 1000);
        await Task.WhenAll(Enumerable.Range(0, WaitingTask.Expected).Select(_ => cluster.Tasks.For<WaitingTask>().TriggerAsync(new WaitPayload(2))));
        await WaitingTask.AllResumed.Task;
        await Task.Delay(TimeSpan.FromSeconds(1));
        WaitingTask.Reset(runs);

        var clock = Stopwatch.StartNew();
        var handles = new ConcurrentBag<string>();
        using var resumedProgress = new Timer(
            _ => Console.Error.WriteLine($"progress t={clock.Elapsed.TotalSeconds:F0}s: {handles.Count}/{runs} triggered, {WaitingTask.Lateness.Count}/{runs} resumed"),
            null,
            TimeSpan.FromSeconds(15),
            TimeSpan.FromSeconds(15));
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < runs)
            {
                handles.Add((await cluster.Tasks.For<WaitingTask>().TriggerAsync(new WaitPayload(waitSeconds))).Id);
            }
        }));
        var triggerSeconds = clock.Elapsed.TotalSeconds;

        // While they wait: how many are suspended, and what the process holds in memory.
        var store = cluster.SiloServices.GetRequiredService<IRunStore>();
        var suspendedPeak = 0L;
        var rssPeak = 0L;
        var heapAtPeak = 0L;
        var activationsAtPeak = "";
        while (!WaitingTask.AllResumed.Task.IsCompleted)
        {
            var suspended = await CountSuspendedAsync(store, connectionString);
            suspendedPeak = Math.Max(suspendedPeak, suspended);
            var rss = Process.GetCurrentProcess().WorkingSet64;
            if (Environment.GetEnvironmentVariable("BENCH_TRACE") == "1")
            {
                var stats = await cluster.Client.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
                if (suspended == runs)
                {
                    GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                    Console.WriteLine($"trace live_after_full_gc_mb={GC.GetTotalMemory(forceFullCollection: false) >> 20} rss_after_mb={Process.GetCurrentProcess().WorkingSet64 >> 20}");
                }

                Console.WriteLine($"trace t={clock.Elapsed.TotalSeconds:F0}s rss_mb={rss >> 20} heap_mb={GC.GetGCMemoryInfo().HeapSizeBytes >> 20} {string.Join(" ", stats.GroupBy(g => g.GrainType).Select(g => $"{g.Key.Split(',')[0].Split('.').Last()}={g.Sum(x => x.ActivationCount)}"))}");
            }

            // Memory is measured while every run waits (the resume phase holds runs that execute and linger for pollers).
            if (suspended == runs && rss > rssPeak)
            {
                rssPeak = rss;
                heapAtPeak = GC.GetGCMemoryInfo().HeapSizeBytes;
                activationsAtPeak = string.Join(",", (await cluster.Client.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics())
                    .GroupBy(g => g.GrainType.Split('.').Last()).Select(g => $"{g.Key}:{g.Sum(x => x.ActivationCount)}"));
            }

            await Task.WhenAny(WaitingTask.AllResumed.Task, Task.Delay(TimeSpan.FromSeconds(1)));
        }

        // Every run must also be durably complete.
        var completed = 0;
        using var progress = new Timer(_ => Console.Error.WriteLine($"progress: {completed}/{runs} confirmed complete"), null, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(15));
        await Task.WhenAll(Partition(handles, concurrency).Select(async ids =>
        {
            foreach (var id in ids)
            {
                if ((await cluster.Tasks.Runs.PollAsync(id)).Status == RunStatus.Completed)
                {
                    Interlocked.Increment(ref completed);
                }
            }
        }));
        if (completed != runs)
        {
            throw new InvalidOperationException($"{runs - completed} of {runs} waiting runs did not complete.");
        }

        var lateness = ThroughputScenario.Sorted(WaitingTask.Lateness.Values.Select(l => l.Milliseconds));
        var byDue = WaitingTask.Lateness.Values.OrderBy(l => l.Due).ToList();
        var tenth = Math.Max(1, byDue.Count / 10);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"detail lateness_of_first_due_tenth_p50_ms={ThroughputScenario.Percentile(ThroughputScenario.Sorted(byDue.Take(tenth).Select(l => l.Milliseconds)), 0.5):F0} lateness_of_last_due_tenth_p50_ms={ThroughputScenario.Percentile(ThroughputScenario.Sorted(byDue.TakeLast(tenth).Select(l => l.Milliseconds)), 0.5):F0} due_span_s={(byDue[^1].Due - byDue[0].Due).TotalSeconds:F1}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"detail trigger_seconds={triggerSeconds:F1} total_seconds={clock.Elapsed.TotalSeconds:F1} suspend_threshold_s={threshold.TotalSeconds} resume_max_ms={lateness[^1]:F0} gc_heap_at_rss_peak_mb={heapAtPeak / (1024 * 1024)} activations_at_rss_peak={activationsAtPeak}"));
        return string.Create(CultureInfo.InvariantCulture,
            $"waits runs={runs} suspended_peak={suspendedPeak} resume_p50_ms={ThroughputScenario.Percentile(lateness, 0.50):F0} resume_p99_ms={ThroughputScenario.Percentile(lateness, 0.99):F0} silo_rss_mb={rssPeak / (1024 * 1024)}");
    }

    private static async Task<long> CountSuspendedAsync(IRunStore store, string? connectionString)
    {
        if (connectionString is null)
        {
            return ((InMemoryRunStore)store).CountSuspended();
        }

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        // Suspended runs have no owner and a wake time: the supervisor's partial index counts them without a scan.
        await using var command = new NpgsqlCommand("SELECT count(*) FROM runs WHERE owner IS NULL AND wake_at IS NOT NULL", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static IEnumerable<List<string>> Partition(IEnumerable<string> ids, int parts)
    {
        var lists = Enumerable.Range(0, parts).Select(_ => new List<string>()).ToList();
        var i = 0;
        foreach (var id in ids)
        {
            lists[i++ % parts].Add(id);
        }

        return lists;
    }
}

/// <summary>Takes its due moment in a step (so a replay keeps it), waits until then, and notes how late it went on.</summary>
public sealed class WaitingTask : TaskDefinition<WaitPayload, bool>
{
    internal static readonly ConcurrentDictionary<string, (DateTimeOffset Due, double Milliseconds)> Lateness = new();
    internal static TaskCompletionSource AllResumed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    internal static int Expected;

    internal static void Reset(int expected)
    {
        Lateness.Clear();
        Expected = expected;
        AllResumed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public override string Id => "bench-wait";

    public override async Task<bool> RunAsync(WaitPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        var due = await context.StepAsync("due", _ => Task.FromResult(DateTimeOffset.UtcNow.AddSeconds(payload.Seconds)));
        await Wait.UntilAsync(due);
        if (Lateness.TryAdd(context.RunId, (due, (DateTimeOffset.UtcNow - due).TotalMilliseconds)) && Lateness.Count == Expected)
        {
            AllResumed.TrySetResult();
        }

        return true;
    }
}

public sealed record WaitPayload(int Seconds);
