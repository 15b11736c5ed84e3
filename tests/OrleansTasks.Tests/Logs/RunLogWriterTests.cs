using Microsoft.Extensions.Logging.Abstractions;
using OrleansTasks.Logs;
using static OrleansTasks.Tests.Logs.RunLogStoreContract;

namespace OrleansTasks.Tests.Logs;

/// <summary><see cref="RunLogWriter"/> over an in-memory store, with stores that hold or fail writes where a test needs it.</summary>
public sealed class RunLogWriterTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan[] s_quickRetries = [TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(1)];

    private readonly InMemoryRunLogStore _stored = new();

    [Fact]
    public async Task Append_BufferFull_DropsTheNewEntriesAndCountsThem()
    {
        var store = new HeldStore(_stored);
        await using var writer = new RunLogWriter(store, NullLogger<RunLogWriter>.Instance, capacity: 10, s_quickRetries);
        var runId = NewRunId();

        // The first entry is taken by a write the store holds, so the next ones wait in the buffer.
        writer.Append(Entry(runId, 1, "held"));
        await store.Entered.Task.WaitAsync(s_timeout, TestContext.Current.CancellationToken);
        for (var i = 0; i < 15; i++)
        {
            writer.Append(Entry(runId, 1, $"0:{i}"));
        }

        Assert.Equal(5, writer.DroppedCount);
        store.Release.TrySetResult();
        await writer.FlushAsync(TestContext.Current.CancellationToken);
        var keys = (await _stored.ListAsync(runId, 100)).Select(e => e.Key);
        Assert.Equal(["held", .. Enumerable.Range(0, 10).Select(i => $"0:{i}")], keys);
    }

    [Fact]
    public async Task FlushAsync_StoreFailsTwiceThenWorks_EntriesStored()
    {
        var store = new FailingStore(_stored, failures: 2);
        await using var writer = new RunLogWriter(store, NullLogger<RunLogWriter>.Instance, RunLogWriter.DefaultCapacity, s_quickRetries);
        var runId = NewRunId();

        writer.Append(Entry(runId, 1, "0:1"));
        writer.Append(Entry(runId, 1, "0:2"));
        await writer.FlushAsync(TestContext.Current.CancellationToken);

        // Two failed writes, then the one that stored them (a second when the loop took the entries apart).
        Assert.Equal(2, (await _stored.ListAsync(runId, 100)).Count);
        Assert.InRange(store.Calls, 3, 4);
        Assert.Equal(0, writer.DroppedCount);
    }

    [Fact]
    public async Task FlushAsync_StoreAlwaysFails_CompletesAfterEveryTryAndDropsTheBatch()
    {
        var store = new FailingStore(_stored, failures: int.MaxValue);
        await using var writer = new RunLogWriter(store, NullLogger<RunLogWriter>.Instance, RunLogWriter.DefaultCapacity, s_quickRetries);

        var (first, second) = (NewRunId(), NewRunId());
        writer.Append(Entry(first, 1, "0:1"));
        writer.Append(Entry(second, 1, "0:1"));
        await writer.FlushAsync(TestContext.Current.CancellationToken);

        // The writer may take the two entries in one batch or in two (its loop can wake between the appends); either
        // way each entry is tried once and then once per retry delay, and no more.
        Assert.Equal(1 + s_quickRetries.Length, store.TriesOf(first));
        Assert.Equal(1 + s_quickRetries.Length, store.TriesOf(second));
        Assert.Equal(2, writer.DroppedCount);
    }

    [Fact]
    public async Task Append_ManyThreadsAtOnce_EveryEntryStoredOnce()
    {
        await using var writer = new RunLogWriter(_stored, NullLogger<RunLogWriter>.Instance);
        var runs = Enumerable.Range(0, 4).Select(_ => NewRunId()).ToList();

        await Task.WhenAll(runs.Select(runId => Task.Run(() =>
        {
            for (var i = 0; i < 2000; i++)
            {
                writer.Append(Entry(runId, 1, $"0:{i}"));
            }
        })));
        await writer.FlushAsync(TestContext.Current.CancellationToken);

        foreach (var runId in runs)
        {
            var keys = (await _stored.ListAsync(runId, 10_000)).Select(e => e.Key);
            Assert.Equal(Enumerable.Range(0, 2000).Select(i => $"0:{i}"), keys);
        }
    }

    [Fact]
    public async Task StopAsync_EntriesBuffered_StoresThemAndDropsWhatComesAfter()
    {
        var store = new HeldStore(_stored);
        await using var writer = new RunLogWriter(store, NullLogger<RunLogWriter>.Instance);
        var runId = NewRunId();
        writer.Append(Entry(runId, 1, "0:0"));
        await store.Entered.Task.WaitAsync(s_timeout, TestContext.Current.CancellationToken);
        writer.Append(Entry(runId, 1, "0:1"));

        var stopping = writer.StopAsync(TestContext.Current.CancellationToken);
        writer.Append(Entry(runId, 1, "0:2"));
        store.Release.TrySetResult();
        await stopping.WaitAsync(s_timeout, TestContext.Current.CancellationToken);
        await writer.FlushAsync(TestContext.Current.CancellationToken).WaitAsync(s_timeout, TestContext.Current.CancellationToken);

        Assert.Equal(["0:0", "0:1"], (await _stored.ListAsync(runId, 100)).Select(e => e.Key));
        Assert.Equal(1, writer.DroppedCount);
    }

    /// <summary>Holds the first write until released; later writes pass straight through.</summary>
    private sealed class HeldStore(IRunLogStore inner) : IRunLogStore
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task AppendAsync(IReadOnlyList<RunLogEntry> entries, CancellationToken cancellationToken = default)
        {
            Entered.TrySetResult();
            await Release.Task;
            await inner.AppendAsync(entries, cancellationToken);
        }

        public Task<IReadOnlyList<RunLogEntry>> ListAsync(string runId, int limit, CancellationToken cancellationToken = default) =>
            inner.ListAsync(runId, limit, cancellationToken);

        public Task<int> DeleteOlderThanAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken = default) =>
            inner.DeleteOlderThanAsync(cutoff, batchSize, cancellationToken);

        public Task DeleteRunsAsync(IReadOnlyList<string> runIds, CancellationToken cancellationToken = default) =>
            inner.DeleteRunsAsync(runIds, cancellationToken);
    }

    /// <summary>Fails the first <c>failures</c> writes, as a database that is down for a moment would.</summary>
    private sealed class FailingStore(IRunLogStore inner, int failures) : IRunLogStore
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _tries = new(StringComparer.Ordinal);
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        /// <summary>How many writes carried the run's entries.</summary>
        public int TriesOf(string runId) => _tries.GetValueOrDefault(runId);

        public Task AppendAsync(IReadOnlyList<RunLogEntry> entries, CancellationToken cancellationToken = default)
        {
            foreach (var runId in entries.Select(e => e.RunId).Distinct(StringComparer.Ordinal))
            {
                _tries.AddOrUpdate(runId, 1, (_, n) => n + 1);
            }

            return Interlocked.Increment(ref _calls) <= failures
                ? Task.FromException(new TimeoutException("The database did not answer."))
                : inner.AppendAsync(entries, cancellationToken);
        }

        public Task<IReadOnlyList<RunLogEntry>> ListAsync(string runId, int limit, CancellationToken cancellationToken = default) =>
            inner.ListAsync(runId, limit, cancellationToken);

        public Task<int> DeleteOlderThanAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken = default) =>
            inner.DeleteOlderThanAsync(cutoff, batchSize, cancellationToken);

        public Task DeleteRunsAsync(IReadOnlyList<string> runIds, CancellationToken cancellationToken = default) =>
            inner.DeleteRunsAsync(runIds, cancellationToken);
    }
}
