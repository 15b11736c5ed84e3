using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace OrleansTasks.Bench;

/// <summary>
/// N runs spread over K concurrency keys of one queue whose limit is L per key; each run holds its slot a few
/// milliseconds. The environment limit is raised to K × L, so the per-key limit is what binds. The peak per key is
/// counted inside the task, across every key.
/// </summary>
internal static class QueueScenario
{
    private const string QueueName = "bench-keyed";

    public static async Task<string> RunAsync(BenchArguments arguments)
    {
        var runs = arguments.GetInt("runs", 20_000);
        var keys = arguments.GetInt("keys", 100);
        var limit = arguments.GetInt("limit", 2);
        var hold = TimeSpan.FromMilliseconds(arguments.GetInt("hold-ms", 5));
        var concurrency = arguments.GetInt("concurrency", 1000);
        var connectionString = arguments.Get("postgres");
        await using var cluster = await BenchCluster.StartAsync(connectionString, tasks => tasks
            .AddTask<KeyedTask>()
            .AddQueue(new QueueOptions { Name = QueueName, ConcurrencyLimit = limit })
            .Configure(o => o.EnvironmentConcurrencyLimit = Math.Min(QueueOptions.MaxConcurrencyLimit, keys * limit)));

        await DriveAsync(cluster.Tasks, Math.Min(runs, 2000), keys, hold, concurrency);
        KeyedTask.Reset();

        var clock = Stopwatch.StartNew();
        await DriveAsync(cluster.Tasks, runs, keys, hold, concurrency);
        var seconds = clock.Elapsed.TotalSeconds;

        var queue = await cluster.Tasks.Queues.RetrieveAsync(QueueName);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"detail queue_peak_per_key={queue.PeakRunningPerKey} peak_total={KeyedTask.PeakTotal} hold_ms={hold.TotalMilliseconds} environment_limit={keys * limit}"));
        return string.Create(CultureInfo.InvariantCulture,
            $"queue runs={runs} keys={keys} limit={limit} runs_per_s={runs / seconds:F0} peak_per_key={KeyedTask.PeakPerKey}");
    }

    private static async Task DriveAsync(ITaskClient tasks, int runs, int keys, TimeSpan hold, int concurrency)
    {
        var next = -1;
        var handles = new ConcurrentBag<string>();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < runs)
            {
                var key = $"tenant-{i % keys}";
                var handle = await tasks.For<KeyedTask>().TriggerAsync(new KeyedPayload(key, hold), new TriggerOptions { ConcurrencyKey = key });
                handles.Add(handle.Id);
            }
        }));

        var failures = 0;
        await Parallel.ForEachAsync(handles, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (id, _) =>
        {
            if ((await tasks.Runs.PollAsync(id)).Status != RunStatus.Completed)
            {
                Interlocked.Increment(ref failures);
            }
        });
        if (failures > 0)
        {
            throw new InvalidOperationException($"{failures} of {runs} runs did not complete.");
        }
    }

    public sealed record KeyedPayload(string Key, TimeSpan Hold);

    /// <summary>Holds its slot for the payload's time, counting how many of its key run at once.</summary>
    public sealed class KeyedTask : TaskDefinition<KeyedPayload, bool>
    {
        private static readonly ConcurrentDictionary<string, int[]> s_running = new();
        private static int s_total;
        private static int s_peakPerKey;
        private static int s_peakTotal;

        public static int PeakPerKey => Volatile.Read(ref s_peakPerKey);

        public static int PeakTotal => Volatile.Read(ref s_peakTotal);

        public override string Id => "bench-keyed";

        public override QueueOptions Queue => new() { Name = QueueName };

        public static void Reset()
        {
            s_running.Clear();
            s_peakPerKey = 0;
            s_peakTotal = 0;
        }

        public override async Task<bool> RunAsync(KeyedPayload payload, TaskContext context, CancellationToken cancellationToken)
        {
            var counter = s_running.GetOrAdd(payload.Key, _ => new int[1]);
            Raise(ref s_peakPerKey, Interlocked.Increment(ref counter[0]));
            Raise(ref s_peakTotal, Interlocked.Increment(ref s_total));
            try
            {
                await Task.Delay(payload.Hold, cancellationToken);
            }
            finally
            {
                Interlocked.Decrement(ref counter[0]);
                Interlocked.Decrement(ref s_total);
            }

            return true;
        }

        private static void Raise(ref int peak, int value)
        {
            int current;
            while (value > (current = Volatile.Read(ref peak)) && Interlocked.CompareExchange(ref peak, value, current) != current)
            {
            }
        }
    }
}
