using System.Diagnostics;
using System.Globalization;

namespace OrleansTasks.Bench.Realtime;

/// <summary>
/// Realtime delivery, measured from a separate client process (<see cref="RealtimeReaderProcess"/>) that subscribes
/// over the gateway, as a service would. First run updates: <c>--subscribers</c> subscriptions to one tag while
/// <c>--runs</c> tagged runs go through their statuses and report progress; lag is from a run's change (its
/// <see cref="TaskRun.UpdatedAt"/>) to a subscriber seeing it. Then data streams: <c>--stream-runs</c> runs each pipe
/// <c>--chunks</c> / stream-runs chunks, together at <c>--chunk-rate</c> chunks a second, while <c>--readers</c>
/// readers read each run's stream; lag is from a chunk being made to a reader reading it. Clocks are the machine's own, shared by both processes.
/// </summary>
internal static class RealtimeScenario
{
    public static async Task<string> RunAsync(BenchArguments arguments)
    {
        var runs = arguments.GetInt("runs", 3000);
        var subscribers = arguments.GetInt("subscribers", 8);
        var progressSteps = arguments.GetInt("progress", 6);
        var concurrency = arguments.GetInt("concurrency", 8);
        var chunks = arguments.GetInt("chunks", 100_000);
        var streamRuns = arguments.GetInt("stream-runs", 4);
        var readers = arguments.GetInt("readers", 2);
        var chunkRate = arguments.GetInt("chunk-rate", 50_000);
        var connectionString = arguments.Get("postgres");

        await using var cluster = await BenchCluster.StartAsync(connectionString, tasks => tasks
            .AddTask<ProgressBenchTask>()
            .AddTask<StreamBenchTask>()
            .Configure(o => o.EnvironmentConcurrencyLimit = Math.Min(QueueOptions.MaxConcurrencyLimit, concurrency)));

        // Run updates. Warm-up runs (another tag, which the subscribers follow too) go first, so the measured runs find
        // both processes' code compiled and their pools filled.
        var tag = "bench-" + Guid.NewGuid().ToString("N")[..8];
        var warmTag = tag + "-warm";
        string updatesLine;
        await using (var reader = await RealtimeReaderProcess.StartAsync(cluster, connectionString,
            ["updates", tag, warmTag, subscribers.ToString(CultureInfo.InvariantCulture), runs.ToString(CultureInfo.InvariantCulture)]))
        {
            await TriggerAllAsync(cluster.Tasks, Math.Min(runs, 1000), concurrency, warmTag, progressSteps);
            var clock = Stopwatch.StartNew();
            await TriggerAllAsync(cluster.Tasks, runs, concurrency, tag, progressSteps);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"detail runs_done_s={clock.Elapsed.TotalSeconds:F2} runs_per_s={runs / clock.Elapsed.TotalSeconds:F0}"));
            updatesLine = await reader.ResultAsync(TimeSpan.FromMinutes(5));
        }

        // Data streams: a warm-up run first, then the measured runs, each waiting (delayed) until its readers read. Each
        // run makes its chunks at --chunk-rate / stream-runs a second, so lag measures delivery, not a backlog.
        var perRun = chunks / streamRuns;
        var ratePerRun = chunkRate / streamRuns;
        var delayed = new TriggerOptions { Delay = TimeSpan.FromHours(1) };
        var warm = await cluster.Tasks.For<StreamBenchTask>().TriggerAsync(new StreamBenchPayload(Math.Min(perRun, 20_000), ratePerRun), delayed);
        var handles = await Task.WhenAll(Enumerable.Range(0, streamRuns).Select(_ =>
            cluster.Tasks.For<StreamBenchTask>().TriggerAsync(new StreamBenchPayload(perRun, ratePerRun), delayed)));
        string streamLine;
        await using (var reader = await RealtimeReaderProcess.StartAsync(cluster, connectionString,
            ["stream", readers.ToString(CultureInfo.InvariantCulture), perRun.ToString(CultureInfo.InvariantCulture), warm.Id, .. handles.Select(h => h.Id)]))
        {
            await cluster.Tasks.Runs.RescheduleAsync(warm.Id, TimeSpan.Zero);
            await reader.GoAsync(TimeSpan.FromMinutes(5));
            await Task.WhenAll(handles.Select(h => cluster.Tasks.Runs.RescheduleAsync(h.Id, TimeSpan.Zero)));
            streamLine = await reader.ResultAsync(TimeSpan.FromMinutes(5));
        }

        Console.WriteLine(updatesLine);
        return streamLine;
    }

    private static async Task TriggerAllAsync(ITaskClient tasks, int runs, int concurrency, string tag, int progressSteps)
    {
        var next = -1;
        var options = new TriggerOptions { Tags = [tag] };
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < runs)
            {
                var handle = await tasks.For<ProgressBenchTask>().TriggerAsync(progressSteps, options);
                await tasks.Runs.PollAsync(handle.Id);
            }
        }));
    }
}
