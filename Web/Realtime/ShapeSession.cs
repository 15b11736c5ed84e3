using OrleansTasks.Realtime;

namespace OrleansTasks.Web.Realtime;

/// <summary>
/// One realtime shape a client follows over HTTP: a client subscription (<see cref="RealtimeSubscription"/>, with its
/// guarantees: ordered, never missing a final state) whose states are kept newest per run, each stamped with the
/// session's sequence. A request with offset N gets every run stamped after N: a client that polls again after a gap
/// gets the newest state of each run that changed, never a backlog.
/// </summary>
internal sealed class ShapeSession : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (TaskRun Run, long Sequence, long First)> _runs = new(StringComparer.Ordinal);
    private readonly RealtimeSubscription _subscription;
    private readonly Func<TaskRun, bool> _belongs;
    private readonly CancellationTokenSource _closing = new();
    private readonly Task _pumping;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _sequence;

    private ShapeSession(string handle, RealtimeSubscription subscription, Func<TaskRun, bool> belongs, TimeProvider time)
    {
        Handle = handle;
        _subscription = subscription;
        _belongs = belongs;
        Touched = time.GetTimestamp();
        foreach (var run in subscription.Feed.TakePending())
        {
            Take(run);
        }

        _pumping = Task.Run(PumpAsync);
    }

    public string Handle { get; }

    /// <summary>When a request last used the session (a timestamp of the <see cref="TimeProvider"/>).</summary>
    public long Touched { get; set; }

    /// <summary>The newest offset: what a client that has everything sends.</summary>
    public long Offset
    {
        get
        {
            lock (_lock)
            {
                return _sequence;
            }
        }
    }

    public static async Task<ShapeSession> OpenAsync(string handle, RealtimeSubscriptions realtime, RealtimeQuery query, Func<TaskRun, bool> belongs, TimeProvider time, CancellationToken cancellationToken)
    {
        var subscription = await realtime.OpenAsync(query, cancellationToken).ConfigureAwait(false);
        return new ShapeSession(handle, subscription, belongs, time);
    }

    /// <summary>Every run stamped after <paramref name="offset"/>, newest state each, with whether the client has not had it before.</summary>
    public (IReadOnlyList<(TaskRun Run, bool Insert)> Changes, long Offset) Since(long offset)
    {
        lock (_lock)
        {
            var changes = _runs.Values.Where(e => e.Sequence > offset).OrderBy(e => e.Sequence).Select(e => (e.Run, e.First > offset)).ToList();
            return (changes, _sequence);
        }
    }

    /// <summary>Waits until something is stamped after <paramref name="offset"/>, or <paramref name="timeout"/> passes.</summary>
    public async Task WaitAsync(long offset, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task changed;
        lock (_lock)
        {
            if (_sequence > offset)
            {
                return;
            }

            changed = _changed.Task;
        }

        await changed.WaitAsync(timeout, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync().ConfigureAwait(false);
        await _pumping.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _subscription.DisposeAsync().ConfigureAwait(false);
        _closing.Dispose();
    }

    private async Task PumpAsync()
    {
        while (!_closing.IsCancellationRequested)
        {
            Take(await _subscription.Feed.ReadAsync(_closing.Token).ConfigureAwait(false));
        }
    }

    private void Take(TaskRun run)
    {
        if (!_belongs(run))
        {
            return;
        }

        TaskCompletionSource changed;
        lock (_lock)
        {
            _sequence++;
            var first = _runs.TryGetValue(run.Id, out var known) ? known.First : _sequence;
            _runs[run.Id] = (run, _sequence, first);
            changed = _changed;
            _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }
}
