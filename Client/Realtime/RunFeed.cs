using Orleans.Streams;

namespace OrleansTasks.Realtime;

/// <summary>
/// What a subscription has received and not yet handed to its reader: at most one state per run, the newest. A run
/// that changes faster than the reader reads is handed over once, in its latest state, so a slow reader costs one
/// entry per run, never one per update. States of a run are handed over in sequence order, each newer than the last
/// (an older or repeated state, from a snapshot read again or a late stream item, is dropped).
/// </summary>
internal sealed class RunFeed(Func<TaskRun, bool> belongs) : IAsyncObserver<RunUpdateBatch>
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, long> _handedOver = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TaskRun> _pending = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Exception? _failure;

    /// <summary>Called when the stream reports an error: updates may have been lost.</summary>
    public Action? Troubled { get; set; }

    /// <summary>States waiting for the reader (at most one per run).</summary>
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

    /// <summary>Takes a state of a run if it belongs to the subscription and is newer than any it has of that run.</summary>
    public void Offer(TaskRun run)
    {
        if (!belongs(run))
        {
            return;
        }

        lock (_lock)
        {
            var pending = _pending.GetValueOrDefault(run.Id);
            var newest = Math.Max(_handedOver.GetValueOrDefault(run.Id, -1), pending?.Version ?? -1);
            if (run.Version <= newest)
            {
                return;
            }

            if (pending is null)
            {
                _order.Enqueue(run.Id);
            }

            _pending[run.Id] = run;
            _arrived.TrySetResult();
        }
    }

    /// <summary>The next state, waiting for one if none is pending.</summary>
    public async ValueTask<TaskRun> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task arrived;
            lock (_lock)
            {
                if (_order.TryDequeue(out var runId))
                {
                    _pending.Remove(runId, out var run);
                    _handedOver[runId] = run!.Version;
                    return run;
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
