using System.Threading.Channels;

namespace OrleansTasks.Storage;

/// <summary>
/// The group commit every batching writer shares: callers add items without waiting, and one or more loops each take
/// whatever is waiting (up to <c>maxBatch</c>) and hand it to <c>commit</c> in one call, so a burst costs a few
/// round trips instead of one each, and an item waits at most one commit behind the one in progress. The commit
/// completes each item's caller itself (items usually carry a completion source), and must not throw: an exception
/// that escapes it goes to <c>onError</c>, and the loop goes on.
/// </summary>
internal sealed class GroupCommit<T> : IAsyncDisposable
{
    private readonly Channel<T> _items;
    private readonly Func<List<T>, Task> _commit;
    private readonly Action<Exception> _onError;
    private readonly int _maxBatch;
    private readonly Task[] _loops;

    public GroupCommit(Func<List<T>, Task> commit, Action<Exception> onError, int maxBatch, int loops = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(loops, 1);
        _commit = commit;
        _onError = onError;
        _maxBatch = maxBatch;
        _items = Channel.CreateUnbounded<T>(new UnboundedChannelOptions { SingleReader = loops == 1 });

        // On the thread pool: the writer may first be made inside a grain, whose scheduler the loops must not hold.
        _loops = [.. Enumerable.Range(0, loops).Select(_ => Task.Run(LoopAsync))];
    }

    /// <summary>Completes when every loop has ended: after <see cref="Complete"/>, once what was added is committed.</summary>
    public Task Completion => Task.WhenAll(_loops);

    /// <summary>Adds an item for the next commit; false once <see cref="Complete"/> was called.</summary>
    public bool TryAdd(T item) => _items.Writer.TryWrite(item);

    /// <summary>Takes no more items; what was added is still committed.</summary>
    public void Complete() => _items.Writer.TryComplete();

    public async ValueTask DisposeAsync()
    {
        Complete();
        await Completion.ConfigureAwait(false);
    }

    private async Task LoopAsync()
    {
        var batch = new List<T>(_maxBatch);
        var reader = _items.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < _maxBatch && reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            if (batch.Count == 0)
            {
                continue; // Another loop took it.
            }

            try
            {
                await _commit(batch).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                _onError(exception);
            }
        }
    }
}
