namespace OrleansTasks.Execution;

/// <summary>
/// Starts executions armed for a moment. A delayed run whose queue granted its slot before its moment arms its first
/// attempt here, and one timer starts every execution due at a moment in one pass: between the moment and the task's
/// code there is no grain turn, write or call, however many runs share the moment (a cron minute).
/// </summary>
/// <remarks>
/// The run's grain records the start afterwards: the clock tells it, and it asks before any change
/// (<see cref="TakeStarted"/>). Each armed execution is either started here or withdrawn by its grain
/// (<see cref="Withdraw"/>), never both: both happen under one lock. One per silo, inside <see cref="AttemptExecutor"/>.
/// </remarks>
internal sealed class StartClock(TimeProvider time, Action<IReadOnlyList<AttemptRequest>> start) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Armed> _armed = new(StringComparer.Ordinal);
    private readonly PriorityQueue<Armed, DateTimeOffset> _due = new();
    private ITimer? _timer;
    private DateTimeOffset? _timerAt;
    private bool _stopped;

    /// <summary>How many executions are armed or started and not yet taken by their runs.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _armed.Count;
            }
        }
    }

    /// <summary>
    /// Arms <paramref name="request"/>'s execution to start at <paramref name="at"/>. Arming the same attempt again
    /// before it starts replaces the request (the run's tags or metadata changed); after it started, changes nothing.
    /// </summary>
    public void Arm(AttemptRequest request, DateTimeOffset at)
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return;
            }

            if (_armed.TryGetValue(request.RunId, out var existing) && existing.Request.Attempt == request.Attempt
                && (existing.StartedAt is not null || existing.At == at))
            {
                if (existing.StartedAt is null)
                {
                    existing.Request = request;
                }

                return;
            }

            var armed = new Armed(request, at);
            _armed[request.RunId] = armed;
            _due.Enqueue(armed, at);
            ArmTimer(at);
        }
    }

    /// <summary>When the clock started the run's armed attempt, which it then forgets; null if it has not started (or is not armed here).</summary>
    public DateTimeOffset? TakeStarted(string runId, int attempt)
    {
        lock (_gate)
        {
            if (_armed.TryGetValue(runId, out var armed) && armed.Request.Attempt == attempt && armed.StartedAt is { } startedAt)
            {
                _armed.Remove(runId);
                return startedAt;
            }

            return null;
        }
    }

    /// <summary>Forgets the run's armed attempt, so it never starts here. Null if it had not started; when it did, if it had.</summary>
    public DateTimeOffset? Withdraw(string runId, int attempt)
    {
        lock (_gate)
        {
            if (_armed.TryGetValue(runId, out var armed) && armed.Request.Attempt == attempt)
            {
                _armed.Remove(runId);
                return armed.StartedAt;
            }

            return null;
        }
    }

    /// <summary>Starts nothing more: the silo is stopping.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _stopped = true;
            _timer?.Dispose();
            _timer = null;
        }
    }

    private void ArmTimer(DateTimeOffset at)
    {
        if (_timerAt is { } armedAt && armedAt <= at)
        {
            return;
        }

        _timerAt = at;
        // Whole milliseconds, rounded up: a timer rounds a fraction down and would fire before the moment.
        var due = TimeSpan.FromMilliseconds(Math.Max(0, Math.Ceiling((at - time.GetUtcNow()).TotalMilliseconds)));
        if (_timer is null)
        {
            // The timer is made in some run's grain turn: none of that turn's context (its request context, its span)
            // may flow into the executions the clock starts.
            var suppressed = ExecutionContext.IsFlowSuppressed() ? default(AsyncFlowControl?) : ExecutionContext.SuppressFlow();
            try
            {
                _timer = time.CreateTimer(static clock => ((StartClock)clock!).OnTimer(), this, due, Timeout.InfiniteTimeSpan);
            }
            finally
            {
                suppressed?.Undo();
            }
        }
        else
        {
            _timer.Change(due, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnTimer()
    {
        List<AttemptRequest>? starting = null;
        lock (_gate)
        {
            _timerAt = null;
            if (_stopped)
            {
                return;
            }

            // A timer counts whole milliseconds on a coarser clock than the wall clock's, so it may fire a moment
            // early: what is not due by the wall clock waits for the timer armed again below, never starts early.
            var now = time.GetUtcNow();
            while (_due.TryPeek(out var armed, out var at) && at <= now)
            {
                _due.Dequeue();
                if (armed.StartedAt is null && _armed.TryGetValue(armed.Request.RunId, out var current) && ReferenceEquals(current, armed))
                {
                    armed.StartedAt = now;
                    (starting ??= []).Add(armed.Request);
                }
            }

            if (_due.TryPeek(out _, out var next))
            {
                ArmTimer(next);
            }
        }

        if (starting is not null)
        {
            start(starting);
        }
    }

    private sealed class Armed(AttemptRequest request, DateTimeOffset at)
    {
        public AttemptRequest Request { get; set; } = request;

        public DateTimeOffset At { get; } = at;

        public DateTimeOffset? StartedAt { get; set; }
    }
}
