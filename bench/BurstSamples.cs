using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace OrleansTasks.Bench;

/// <summary>
/// With BENCH_SAMPLES=1, samples every 50 ms, from a second before each minute to two after it, the thread pool's
/// queue and threads, the process's CPU, the JIT's compiled methods and time, and how many occurrences have started: what the silo does during a burst.
/// </summary>
internal sealed class BurstSamples : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _samples = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;

    public BurstSamples(Func<int> started)
    {
        _sampling = Environment.GetEnvironmentVariable("BENCH_SAMPLES") == "1" ? Task.Run(() => SampleAsync(started)) : Task.CompletedTask;
    }

    /// <summary>Stops sampling and writes the samples to standard error.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        foreach (var sample in _samples)
        {
            Console.Error.WriteLine($"sample {sample}");
        }

        _stop.Dispose();
    }

    /// <summary>Writes how many runs of each minute started in each 100 ms after it (the last bucket takes the rest).</summary>
    public static void WriteStartRates(IEnumerable<KeyValuePair<(string Schedule, DateTimeOffset Nominal), TimeSpan>> started)
    {
        foreach (var minute in started.GroupBy(s => s.Key.Nominal).OrderBy(g => g.Key))
        {
            var buckets = new int[16];
            foreach (var start in minute)
            {
                buckets[Math.Clamp((int)(start.Value.TotalMilliseconds / 100), 0, buckets.Length - 1)]++;
            }

            Console.Error.WriteLine($"starts per 100 ms after {minute.Key:HH:mm}: {string.Join(" ", buckets)}");
        }
    }

    private async Task SampleAsync(Func<int> started)
    {
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        while (!_stop.IsCancellationRequested)
        {
            await Task.Delay(50);
            var now = DateTimeOffset.UtcNow;
            var used = Process.GetCurrentProcess().TotalProcessorTime;
            if (now.Second is >= 59 or < 2)
            {
                _samples.Enqueue(string.Create(CultureInfo.InvariantCulture,
                    $"{now:ss.ff} pending={ThreadPool.PendingWorkItemCount} threads={ThreadPool.ThreadCount} cpu_ms={(used - cpu).TotalMilliseconds:F0} started={started()} jit_methods={System.Runtime.JitInfo.GetCompiledMethodCount()} jit_ms={System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds:F0}"));
            }

            cpu = used;
        }
    }
}
