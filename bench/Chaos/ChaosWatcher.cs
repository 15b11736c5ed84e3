using System.Collections.Concurrent;
using System.Diagnostics;

namespace OrleansTasks.Bench.Chaos;

/// <summary>
/// A realtime subscriber through the chaos: it follows every top-level run by the load's tag from before the first
/// trigger to the end, as a service's dashboard would, and records what it saw of each run. The report then checks that
/// it saw each completed run's final state, and never a run's states out of order or anything after its final state.
/// If the subscription itself fails (the cluster out of reach past the client's retry bound), it subscribes again, as
/// a service would; the snapshot it starts with brings it up to date.
/// </summary>
internal sealed class ChaosWatcher(ITaskClient tasks, TextWriter log) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Seen> _seen = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private Task? _watching;
    private int _disorders;
    private int _resubscriptions;

    /// <summary>States that came out of order: older than one seen before, or after the run's final state.</summary>
    public int Disorders => _disorders;

    public int Resubscriptions => _resubscriptions;

    public void Start(DateTimeOffset createdAfter) => _watching = Task.Run(() => WatchAsync(createdAfter));

    /// <summary>Waits, up to <paramref name="grace"/>, until the final state of each of <paramref name="runIds"/> has been seen; returns those never seen final.</summary>
    public async Task<IReadOnlyList<string>> MissedFinalsAsync(IReadOnlyList<string> runIds, TimeSpan grace, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var missed = runIds.Where(id => !(_seen.TryGetValue(id, out var seen) && seen.Final)).ToList();
            if (missed.Count == 0 || clock.Elapsed >= grace)
            {
                return missed;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_watching is not null)
        {
            await _watching.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _stop.Dispose();
    }

    private async Task WatchAsync(DateTimeOffset createdAfter)
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await foreach (var run in tasks.Runs.SubscribeToRunsWithTagAsync(ChaosLoad.Tag, createdAfter, _stop.Token).ConfigureAwait(false))
                {
                    Record(run);
                }
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                Interlocked.Increment(ref _resubscriptions);
                log.WriteLine($"chaos watcher: the subscription failed ({exception.GetType().Name}: {exception.Message}); subscribing again in 1 s");
                await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private void Record(TaskRun run)
    {
        var seen = _seen.GetOrAdd(run.Id, _ => new Seen());
        lock (seen)
        {
            // A subscribed-again snapshot may repeat the newest state seen; only an older one, or anything after the
            // final state, is out of order.
            if (run.Version < seen.Version || (seen.Final && run.Version > seen.Version))
            {
                Interlocked.Increment(ref _disorders);
                log.WriteLine($"chaos watcher: run {run.Id} version {run.Version} ({run.Status.ToWireName()}) after version {seen.Version}{(seen.Final ? " (final)" : "")}");
            }

            seen.Version = Math.Max(seen.Version, run.Version);
            seen.Final |= run.IsFinal;
        }
    }

    private sealed class Seen
    {
        public long Version { get; set; } = -1;

        public bool Final { get; set; }
    }
}
