using System.Collections.Concurrent;

namespace OrleansTasks.Storage;

/// <summary>
/// The group commit every batching writer shares: callers add items without waiting, and one or more loops each take
/// whatever is waiting (up to <c>maxBatch</c>) and hand it to <c>commit</c> in one call, so a burst costs a few
/// round trips instead of one each, and an item waits at most one commit behind the one in progress. The commit
/// completes each item's caller itself (items usually carry a completion source), and must not throw: an exception
/// that escapes it goes to <c>onError</c>, and the loop goes on.
/// </summary>
/// <remarks>
/// Adding takes no lock. A burst adds from every thread of the pool at once, and on a machine with few cores a lock
/// holder is often preempted; a channel's writer lock then had the adders queue behind it (a sixth of the silo's
/// samples in a schedule burst). Items go into a lock-free queue, and a count of what is waiting wakes a sleeping
/// loop only when it goes from nothing to something.
/// </remarks>
internal sealed class GroupCommit<T> : IAsyncDisposable
{
    private readonly ConcurrentQueue<T> _items = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Func<List<T>, Task> _commit;
    private readonly Action<Exception> _onError;
    private readonly int _maxBatch;
    private readonly Task[] _loops;

    /// <summary>
    /// Items counted in less items counted out. An item may be taken before its adder counts it (the count dips below
    /// zero), and with several loops one may have taken items it has not yet counted out (the count is briefly above
    /// what the queue holds; that loop then wakes another).
    /// </summary>
    private int _waiting;

    /// <summary>Callers inside <see cref="TryAdd"/>: a loop ends only when none is, so nothing added before completion is left behind.</summary>
    private int _adding;

    private int _completed;

    public GroupCommit(Func<List<T>, Task> commit, Action<Exception> onError, int maxBatch, int loops = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(loops, 1);
        _commit = commit;
        _onError = onError;
        _maxBatch = maxBatch;

        // On the thread pool: the writer may first be made inside a grain, whose scheduler the loops must not hold.
        _loops = [.. Enumerable.Range(0, loops).Select(_ => Task.Run(LoopAsync))];
    }

    /// <summary>Completes when every loop has ended: after <see cref="Complete"/>, once what was added is committed.</summary>
    public Task Completion => Task.WhenAll(_loops);

    private bool IsCompleted => Volatile.Read(ref _completed) != 0;

    /// <summary>Adds an item for the next commit; false once <see cref="Complete"/> was called.</summary>
    public bool TryAdd(T item)
    {
        Interlocked.Increment(ref _adding);
        try
        {
            if (IsCompleted)
            {
                return false;
            }

            _items.Enqueue(item);
            if (Interlocked.Increment(ref _waiting) == 1)
            {
                _wake.Release();
            }

            return true;
        }
        finally
        {
            if (Interlocked.Decrement(ref _adding) == 0 && IsCompleted)
            {
                _wake.Release(); // A loop waiting for the last adder before it ends.
            }
        }
    }

    /// <summary>Takes no more items; what was added is still committed.</summary>
    public void Complete()
    {
        if (Interlocked.Exchange(ref _completed, 1) == 0)
        {
            _wake.Release(_loops.Length);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Complete();
        await Completion.ConfigureAwait(false);
    }

    private async Task LoopAsync()
    {
        var batch = new List<T>(_maxBatch);
        while (true)
        {
            batch.Clear();
            while (batch.Count < _maxBatch && _items.TryDequeue(out var item))
            {
                batch.Add(item);
            }

            if (batch.Count > 0)
            {
                if (Interlocked.Add(ref _waiting, -batch.Count) > 0 && _loops.Length > 1)
                {
                    _wake.Release(); // More is waiting: another loop may take it while this one commits.
                }

                try
                {
                    await _commit(batch).ConfigureAwait(false);
                }
                catch (Exception exception)
                {
                    _onError(exception);
                }

                continue;
            }

            if (IsCompleted && Volatile.Read(ref _adding) == 0)
            {
                if (!_items.IsEmpty)
                {
                    continue; // Added just before completion: commit it first.
                }

                _wake.Release(); // The next loop sees it too.
                return;
            }

            await _wake.WaitAsync().ConfigureAwait(false);
        }
    }
}
