using System.Collections.Concurrent;

namespace OrleansTasks.TestTasks;

/// <summary>
/// What test tasks observed, for in-process tests: how many ran at once, in what order, which were cancelled.
/// Silos in one process share it, as the cluster shares a queue's limit.
/// </summary>
public static class Probe
{
    private static readonly ConcurrentDictionary<string, Counter> s_counters = new();
    private static readonly ConcurrentDictionary<string, ConcurrentQueue<int>> s_orders = new();
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> s_started = new();
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> s_cancelled = new();
    private static readonly ConcurrentDictionary<string, TaskCompletionSource> s_released = new();

    public static IDisposable Enter(string name) => s_counters.GetOrAdd(name, _ => new Counter()).Enter();

    public static int Peak(string name) => s_counters.GetOrAdd(name, _ => new Counter()).Peak;

    public static void Reset(string name)
    {
        s_counters.TryRemove(name, out _);
        s_orders.TryRemove(name, out _);
    }

    public static void Record(string name, int value) => s_orders.GetOrAdd(name, _ => new ConcurrentQueue<int>()).Enqueue(value);

    public static IReadOnlyList<int> Order(string name) => [.. s_orders.GetOrAdd(name, _ => new ConcurrentQueue<int>())];

    private static readonly ConcurrentDictionary<string, int> s_counts = new();

    /// <summary>Counts one more of <paramref name="key"/>; returns the new count.</summary>
    public static int Count(string key) => s_counts.AddOrUpdate(key, 1, (_, n) => n + 1);

    public static int CountOf(string key) => s_counts.GetValueOrDefault(key);

    public static void Started(string key) => Signal(s_started, key);

    public static void Canceled(string key) => Signal(s_cancelled, key);

    public static Task WhenStarted(string key) => Completion(s_started, key).Task;

    public static Task WhenCanceled(string key) => Completion(s_cancelled, key).Task;

    /// <summary>Lets a task waiting in <see cref="WhenReleased"/> for <paramref name="key"/> go on.</summary>
    public static void Release(string key) => Signal(s_released, key);

    public static Task WhenReleased(string key) => Completion(s_released, key).Task;

    private static void Signal(ConcurrentDictionary<string, TaskCompletionSource> map, string key)
    {
        if (key.Length > 0)
        {
            Completion(map, key).TrySetResult();
        }
    }

    private static TaskCompletionSource Completion(ConcurrentDictionary<string, TaskCompletionSource> map, string key) =>
        map.GetOrAdd(key, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    private sealed class Counter
    {
        private int _current;
        private int _peak;

        public int Peak => Volatile.Read(ref _peak);

        public IDisposable Enter()
        {
            var now = Interlocked.Increment(ref _current);
            int peak;
            do
            {
                peak = Volatile.Read(ref _peak);
            }
            while (now > peak && Interlocked.CompareExchange(ref _peak, now, peak) != peak);

            return new Exit(this);
        }

        private sealed class Exit(Counter counter) : IDisposable
        {
            public void Dispose() => Interlocked.Decrement(ref counter._current);
        }
    }
}
