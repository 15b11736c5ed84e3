using Orleans.Streams;

namespace OrleansTasks.Realtime;

/// <summary>
/// What a subscription has received and not yet handed to its reader, in arrival order. A reader that keeps up gets
/// every state. One that falls behind by more than <see cref="MaxPending"/> states has the backlog squeezed to the
/// newest state of each run, so a slow reader costs at most one entry per run (or <see cref="MaxPending"/>), never one
/// per update. States of a run are handed over in sequence order, each newer than the last (an older or repeated
/// state, from a snapshot read again or a late stream item, is dropped).
/// </summary>
internal sealed class RunFeed(Func<TaskRun, bool> belongs) : IAsyncObserver<RunUpdateBatch>
{
    /// <summary>States waiting beyond which the backlog is squeezed to each run's newest.</summary>
    public const int MaxPending = 1000;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, long> _newest = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unfinished = new(StringComparer.Ordinal);
    private readonly LinkedList<TaskRun> _pending = new();
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Exception? _failure;

    /// <summary>Called when the stream reports an error: updates may have been lost.</summary>
    public Action? Troubled { get; set; }

    /// <summary>The runs whose newest state so far is not final: after a loss, these are the ones to read again.</summary>
    public IReadOnlyList<string> Unfinished()
    {
        lock (_lock)
        {
            return [.. _unfinished];
        }
    }

    /// <summary>The version of the newest state of the run taken so far; -1 for a run not seen.</summary>
    public long VersionOf(string runId)
    {
        lock (_lock)
        {
            return _newest.GetValueOrDefault(runId, -1);
        }
    }

    /// <summary>States waiting for the reader.</summary>
    public int Pending
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Takes a state of a run if it belongs to the subscription and is newer than any it has had of that run.</summary>
    public void Offer(TaskRun run)
    {
        if (!belongs(run))
        {
            return;
        }

        lock (_lock)
        {
            if (run.Version <= _newest.GetValueOrDefault(run.Id, -1))
            {
                return;
            }

            _newest[run.Id] = run.Version;
            if (run.IsFinal)
            {
                _unfinished.Remove(run.Id);
            }
            else
            {
                _unfinished.Add(run.Id);
            }

            _pending.AddLast(run);
            if (_pending.Count > MaxPending)
            {
                Squeeze();
            }

            _arrived.TrySetResult();
        }
    }

    /// <summary>Takes every state pending now, without waiting.</summary>
    public IReadOnlyList<TaskRun> TakePending()
    {
        lock (_lock)
        {
            var taken = _pending.ToList();
            _pending.Clear();
            return taken;
        }
    }

    /// <summary>The next state, waiting for one if none is pending. Once the reader cancels, nothing more is handed over.</summary>
    public async ValueTask<TaskRun> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Task arrived;
            lock (_lock)
            {
                if (_pending.First is { } first)
                {
                    _pending.RemoveFirst();
                    return first.Value;
                }

                if (_failure is not null)
                {
                    throw _failure;
                }

                if (_arrived.Task.IsCompleted)
                {
                    _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                arrived = _arrived.Task;
            }

            await arrived.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Keeps, of each run, only its newest waiting state (where that state stands in the order).</summary>
    private void Squeeze()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var node = _pending.Last; node is not null;)
        {
            var previous = node.Previous;
            if (!seen.Add(node.Value.Id))
            {
                _pending.Remove(node);
            }

            node = previous;
        }
    }

    /// <summary>Ends the feed: the reader gets <paramref name="failure"/> once it has read what is pending.</summary>
    public void Fail(Exception failure)
    {
        lock (_lock)
        {
            _failure = failure;
            _arrived.TrySetResult();
        }
    }

    public Task OnNextAsync(RunUpdateBatch item, StreamSequenceToken? token = null)
    {
        foreach (var update in item.Updates)
        {
            Offer(update.Run);
        }

        return Task.CompletedTask;
    }

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex)
    {
        Troubled?.Invoke();
        return Task.CompletedTask;
    }
}
