using System.Collections.Concurrent;
using OrleansTasks.Storage;

namespace OrleansTasks.Tests.Storage;

/// <summary>
/// The lock-free group commit under everything that can race: adders on every thread at once, several loops, adders
/// racing completion, a loop that sleeps and is woken for one item at a time, and a commit that throws.
/// </summary>
public sealed class GroupCommitTests
{
    private const int MaxBatch = 64;

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task AddsFromManyThreads_AreEachCommittedOnce_InBatchesNoLargerThanTheLimit(int loops)
    {
        var committed = new ConcurrentQueue<int>();
        var largest = 0;
        var batches = 0;
        var commit = new GroupCommit<int>(async batch =>
        {
            InterlockedMax(ref largest, batch.Count);
            Interlocked.Increment(ref batches);
            foreach (var item in batch)
            {
                committed.Enqueue(item);
            }

            await Task.Yield();
        }, exception => Assert.Fail(exception.ToString()), MaxBatch, loops);

        const int Adders = 8, PerAdder = 20_000;
        await Task.WhenAll(Enumerable.Range(0, Adders).Select(a => Task.Run(() =>
        {
            for (var i = 0; i < PerAdder; i++)
            {
                Assert.True(commit.TryAdd((a * PerAdder) + i));
            }
        })));
        await commit.DisposeAsync();

        var items = committed.ToArray();
        Assert.Equal(Adders * PerAdder, items.Length);
        Assert.Equal(Adders * PerAdder, items.Distinct().Count());
        Assert.InRange(largest, 1, MaxBatch);
        Assert.True(batches < items.Length, $"{batches} commits for {items.Length} items: nothing was grouped");
    }

    [Fact]
    public async Task AnIdleLoop_IsWokenForEachSingleItem()
    {
        var done = new ConcurrentDictionary<int, TaskCompletionSource>();
        await using var commit = new GroupCommit<int>(batch =>
        {
            foreach (var item in batch)
            {
                done[item].SetResult();
            }

            return Task.CompletedTask;
        }, exception => Assert.Fail(exception.ToString()), MaxBatch);

        for (var i = 0; i < 2_000; i++)
        {
            var committed = done.GetOrAdd(i, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            Assert.True(commit.TryAdd(i));
            await committed.Task.WaitAsync(TimeSpan.FromSeconds(30)); // Never reached unless the loop is not woken: then it fails, it does not time the code.
        }
    }

    [Fact]
    public async Task AddsRacingCompletion_EveryAcceptedItemIsCommitted_AndNoneRefusedIs()
    {
        for (var round = 0; round < 50; round++)
        {
            var committed = new ConcurrentDictionary<int, bool>();
            var commit = new GroupCommit<int>(batch =>
            {
                foreach (var item in batch)
                {
                    Assert.True(committed.TryAdd(item, true), $"item {item} committed twice");
                }

                return Task.CompletedTask;
            }, exception => Assert.Fail(exception.ToString()), MaxBatch, loops: 2);

            var accepted = new ConcurrentDictionary<int, bool>();
            var next = 0;
            var adders = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
            {
                while (true)
                {
                    var item = Interlocked.Increment(ref next);
                    if (!commit.TryAdd(item))
                    {
                        return;
                    }

                    accepted[item] = true;
                }
            })).ToArray();

            SpinWait.SpinUntil(() => Volatile.Read(ref next) > 1_000);
            commit.Complete();
            await Task.WhenAll(adders);
            await commit.Completion;

            Assert.False(commit.TryAdd(-1));
            Assert.Equal(accepted.Keys.Order(), committed.Keys.Order());
        }
    }

    [Fact]
    public async Task ACommitThatThrows_GoesToOnError_AndTheLoopGoesOn()
    {
        var errors = new ConcurrentQueue<Exception>();
        var committed = new ConcurrentQueue<int>();
        var commit = new GroupCommit<int>(batch =>
        {
            if (batch.Contains(13))
            {
                throw new InvalidOperationException("unlucky batch");
            }

            foreach (var item in batch)
            {
                committed.Enqueue(item);
            }

            return Task.CompletedTask;
        }, errors.Enqueue, maxBatch: 1);

        for (var i = 0; i < 20; i++)
        {
            commit.TryAdd(i);
        }

        await commit.DisposeAsync();

        Assert.Equal("unlucky batch", Assert.Single(errors).Message);
        Assert.Equal(Enumerable.Range(0, 20).Where(i => i != 13), committed.Order());
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current && Interlocked.CompareExchange(ref target, value, current) is var seen && seen != current)
        {
            current = seen;
        }
    }
}
