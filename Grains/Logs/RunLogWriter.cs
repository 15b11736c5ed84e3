using Microsoft.Extensions.Logging;
using OrleansTasks.Storage;

namespace OrleansTasks.Logs;

/// <summary>
/// Takes the log entries task code writes and stores them in the background, in batches, so logging costs a run no
/// database round trip. One per silo. <see cref="Append"/> never blocks and never throws into task code: entries wait
/// in a bounded buffer, and when it is full (the database slow or down for long) new entries are dropped, counted and
/// reported in a warning. A loop takes everything waiting, up to <see cref="MaxBatchSize"/> entries at a time, and
/// writes it in one call: a burst of lines costs a few commits, and a line reaches the store one commit after it was
/// written. A failed write is tried again a few times, with growing pauses, then logged and dropped. The silo flushes
/// the buffer when it stops, after the attempts running on it have been stopped.
/// </summary>
internal sealed partial class RunLogWriter : ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable
{
    /// <summary>The most entries one write stores.</summary>
    internal const int MaxBatchSize = 500;

    /// <summary>How many entries may wait to be written before new ones are dropped.</summary>
    internal const int DefaultCapacity = 50_000;

    private static readonly TimeSpan[] s_retryDelays = [TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)];

    private readonly IRunLogStore _store;
    private readonly ILogger<RunLogWriter> _logger;
    private readonly int _capacity;
    private readonly IReadOnlyList<TimeSpan> _retryDelays;
    private readonly GroupCommit<Item> _items;
    private readonly List<RunLogEntry> _batch = new(MaxBatchSize);
    private readonly CancellationTokenSource _stopping = new();
    private int _buffered;
    private long _dropped;
    private int _droppedUnreported;
    private int _disposed;

    public RunLogWriter(IRunLogStore store, ILogger<RunLogWriter> logger)
        : this(store, logger, DefaultCapacity, s_retryDelays)
    {
    }

    internal RunLogWriter(IRunLogStore store, ILogger<RunLogWriter> logger, int capacity, IReadOnlyList<TimeSpan> retryDelays)
    {
        _store = store;
        _logger = logger;
        _capacity = capacity;
        _retryDelays = retryDelays;
        _items = new GroupCommit<Item>(CommitAsync, LogLoopFailed, MaxBatchSize);
    }

    /// <summary>How many entries were dropped since the silo started: the buffer was full, or a write failed for good.</summary>
    internal long DroppedCount => Interlocked.Read(ref _dropped);

    /// <summary>
    /// Queues the entry to be stored and returns at once. Never blocks and never throws: if the buffer is full the entry
    /// is dropped and counted, and the writer logs a warning with the count; after the writer stopped, it is dropped.
    /// </summary>
    public void Append(RunLogEntry entry)
    {
        if (entry is null)
        {
            return;
        }

        // The count is taken before the write, so many threads appending at once cannot overshoot the capacity.
        if (Interlocked.Increment(ref _buffered) > _capacity)
        {
            Interlocked.Decrement(ref _buffered);
            Interlocked.Increment(ref _dropped);
            Interlocked.Increment(ref _droppedUnreported);
        }
        else if (!_items.TryAdd(new Item(entry, null)))
        {
            // The writer has stopped; if the attempt is replayed elsewhere, the replay writes the line again under its key.
            Interlocked.Decrement(ref _buffered);
            Interlocked.Increment(ref _dropped);
        }
    }

    /// <summary>
    /// Completes when every entry appended before the call has been handled: stored, or dropped after its write failed
    /// every try. After the writer stopped, completes when its last write is done.
    /// </summary>
    public Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var flushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return _items.TryAdd(new Item(null, flushed))
            ? flushed.Task.WaitAsync(cancellationToken)
            : _items.Completion.WaitAsync(cancellationToken);
    }

    public void Participate(ISiloLifecycle lifecycle)
    {
        // The lowest stage stops last: after the executor (RuntimeServices) has stopped the attempts that write lines.
        lifecycle.Subscribe(nameof(RunLogWriter), ServiceLifecycleStage.RuntimeInitialize, _ => Task.CompletedTask, StopAsync);
    }

    /// <summary>
    /// Stores what is buffered and stops taking entries. If <paramref name="cancellationToken"/> fires first (the silo's
    /// shutdown is out of time), pauses between tries are cut short and the call returns without waiting further.
    /// </summary>
    internal async Task StopAsync(CancellationToken cancellationToken)
    {
        _items.Complete();
        await using (cancellationToken.Register(static s => ((CancellationTokenSource)s!).Cancel(), _stopping).ConfigureAwait(false))
        {
            await _items.Completion.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        _items.Complete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _items.Completion.ConfigureAwait(false);
        _stopping.Dispose();
    }

    /// <summary>
    /// Writes the entries taken together in one call, then completes the flushes among them: a flush is complete once
    /// every entry taken before it is written; entries taken after it may go in the same write, which does no harm.
    /// </summary>
    private async Task CommitAsync(List<Item> items)
    {
        // One loop commits, so the batch list is reused, as the stores copy what they are given.
        var batch = _batch;
        batch.Clear();
        List<TaskCompletionSource>? flushes = null;
        foreach (var item in items)
        {
            if (item.Entry is { } entry)
            {
                batch.Add(entry);
            }
            else
            {
                (flushes ??= []).Add(item.Flushed!);
            }
        }

        Interlocked.Add(ref _buffered, -batch.Count);
        if (batch.Count > 0)
        {
            await WriteAsync(batch).ConfigureAwait(false);
        }

        foreach (var flushed in flushes ?? [])
        {
            flushed.TrySetResult();
        }

        ReportDrops();
    }

    private async Task WriteAsync(List<RunLogEntry> batch)
    {
        for (var tries = 1; ; tries++)
        {
            try
            {
                await _store.AppendAsync(batch, CancellationToken.None).ConfigureAwait(false);
                return;
            }
            catch (Exception exception) when (tries <= _retryDelays.Count)
            {
                LogWriteFailed(exception, batch.Count, tries);
                try
                {
                    await Task.Delay(_retryDelays[tries - 1], _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // The silo is out of time to stop: the remaining tries follow at once.
                }
            }
            catch (Exception exception)
            {
                Interlocked.Add(ref _dropped, batch.Count);
                LogBatchDropped(exception, batch.Count, tries);
                return;
            }
        }
    }

    private void ReportDrops()
    {
        // Reported here, not where the entry is dropped, so a full buffer costs task code no logging of its own.
        var dropped = Interlocked.Exchange(ref _droppedUnreported, 0);
        if (dropped > 0)
        {
            LogEntriesDropped(dropped, _capacity);
        }
    }

    /// <summary>An entry to store, or a flush to complete once everything before it is stored.</summary>
    private readonly record struct Item(RunLogEntry? Entry, TaskCompletionSource? Flushed);
}
