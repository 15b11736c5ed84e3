using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using OrleansTasks.Hosting;

namespace OrleansTasks.Bench.Realtime;

/// <summary>The body of the <c>realtime-reader</c> process: subscribe or read, print <c>READY</c>, measure, print the result.</summary>
internal static class RealtimeReader
{
    public static async Task RunAsync(IReadOnlyList<string> arguments)
    {
        var serviceId = Environment.GetEnvironmentVariable("BENCH_SERVICE_ID")!;
        var gatewayPort = int.Parse(Environment.GetEnvironmentVariable("BENCH_GATEWAY_PORT")!, CultureInfo.InvariantCulture);
        var connectionString = Environment.GetEnvironmentVariable("BENCH_POSTGRES");
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleansClient(client =>
        {
            if (string.IsNullOrEmpty(connectionString))
            {
                client.UseLocalhostClustering(gatewayPort, serviceId, serviceId);
            }
            else
            {
                client.UseOrleansTasksPostgres(connectionString);
                client.Configure<ClusterOptions>(o => (o.ServiceId, o.ClusterId) = (serviceId, serviceId));
            }

            client.AddOrleansTasksClient();
        });
        using var host = builder.Build();
        await host.StartAsync();
        var tasks = host.Services.GetRequiredService<ITaskClient>();
        await tasks.Queues.ListAsync();
        var line = arguments[0] == "updates"
            ? await UpdatesAsync(tasks, arguments[1], arguments[2], int.Parse(arguments[3], CultureInfo.InvariantCulture), int.Parse(arguments[4], CultureInfo.InvariantCulture))
            : await StreamsAsync(tasks, int.Parse(arguments[1], CultureInfo.InvariantCulture), int.Parse(arguments[2], CultureInfo.InvariantCulture), arguments[3], [.. arguments.Skip(4)]);
        Console.WriteLine(line);
        await host.StopAsync();
    }

    private static async Task<string> UpdatesAsync(ITaskClient tasks, string tag, string warmTag, int subscribers, int runs)
    {
        var lags = new ConcurrentBag<double>();
        var delivered = 0L;
        long first = 0, last = 0;
        var open = new CountdownEvent(subscribers);
        var readers = Enumerable.Range(0, subscribers).Select(_ => Task.Run(async () =>
        {
            var finals = new HashSet<string>(StringComparer.Ordinal);
            var local = new List<double>(runs * 6);
            await using var subscription = tasks.Runs.SubscribeToRunsWithTagAsync([tag, warmTag]).GetAsyncEnumerator();
            var moving = subscription.MoveNextAsync(); // opens the subscription (its snapshot is empty: the tag is new)
            open.Signal();
            while (await moving)
            {
                var now = DateTimeOffset.UtcNow;
                if (!subscription.Current.Tags.Contains(tag))
                {
                    moving = subscription.MoveNextAsync(); // a warm-up run: not measured
                    continue;
                }

                Interlocked.CompareExchange(ref first, Stopwatch.GetTimestamp(), 0);
                Interlocked.Exchange(ref last, Stopwatch.GetTimestamp());
                Interlocked.Increment(ref delivered);
                local.Add((now - subscription.Current.UpdatedAt).TotalMilliseconds);
                if (subscription.Current.IsFinal && finals.Add(subscription.Current.Id) && finals.Count == runs)
                {
                    break;
                }

                moving = subscription.MoveNextAsync();
            }

            foreach (var lag in local)
            {
                lags.Add(lag);
            }
        })).ToList();

        // Ready once every subscription has taken its lease: give them a moment after their first read started.
        open.Wait();
        await Task.Delay(TimeSpan.FromSeconds(2));
        Console.WriteLine("READY");
        await Task.WhenAll(readers);
        var seconds = Stopwatch.GetElapsedTime(first, last).TotalSeconds;
        var sorted = lags.Order().ToArray();
        return string.Create(CultureInfo.InvariantCulture,
            $"realtime runs={runs} subscribers={subscribers} updates={delivered} updates_per_s={delivered / seconds:F0} lag_p50_ms={Percentile(sorted, 0.50):F1} lag_p99_ms={Percentile(sorted, 0.99):F1}");
    }

    private static async Task<string> StreamsAsync(ITaskClient tasks, int readers, int perRun, string warmRunId, IReadOnlyList<string> runIds)
    {
        // The warm-up run's stream is read first, unmeasured.
        var warming = Task.Run(async () =>
        {
            await foreach (var _ in tasks.Runs.ReadStreamAsync<StreamBenchChunk>(warmRunId, "tokens"))
            {
            }
        });
        await Task.Delay(TimeSpan.FromSeconds(2));
        Console.WriteLine("READY");
        await warming;

        var lags = new ConcurrentBag<double>();
        var received = 0L;
        var firstMade = long.MaxValue;
        long lastRead = 0;
        var reading = runIds.SelectMany(runId => Enumerable.Range(0, readers).Select(_ => Task.Run(async () =>
        {
            var local = new List<double>(perRun);
            var expected = 0;
            await foreach (var chunk in tasks.Runs.ReadStreamAsync<StreamBenchChunk>(runId, "tokens"))
            {
                var now = DateTime.UtcNow.Ticks;
                if (chunk.Index != expected++)
                {
                    throw new InvalidOperationException($"Run {runId}: chunk {chunk.Index} read where {expected - 1} was due.");
                }

                InterlockedMin(ref firstMade, chunk.MadeAt);
                Interlocked.Exchange(ref lastRead, now);
                local.Add(TimeSpan.FromTicks(now - chunk.MadeAt).TotalMilliseconds);
            }

            if (expected != perRun)
            {
                throw new InvalidOperationException($"Run {runId}: {expected} chunks read of {perRun}.");
            }

            Interlocked.Add(ref received, expected);
            foreach (var lag in local)
            {
                lags.Add(lag);
            }
        }))).ToList();
        await Task.Delay(TimeSpan.FromSeconds(2));
        Console.WriteLine("GO");
        await Task.WhenAll(reading);
        var seconds = TimeSpan.FromTicks(lastRead - firstMade).TotalSeconds;
        var chunks = (long)perRun * runIds.Count;
        var sorted = lags.Order().ToArray();
        return string.Create(CultureInfo.InvariantCulture,
            $"stream chunks={chunks} readers={readers * runIds.Count} chunks_per_s={chunks / seconds:F0} delivered_per_s={received / seconds:F0} lag_p50_ms={Percentile(sorted, 0.50):F1} lag_p99_ms={Percentile(sorted, 0.99):F1}");
    }

    private static void InterlockedMin(ref long target, long value)
    {
        var current = Volatile.Read(ref target);
        while (value < current && Interlocked.CompareExchange(ref target, value, current) is var seen && seen != current)
        {
            current = seen;
        }
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}
