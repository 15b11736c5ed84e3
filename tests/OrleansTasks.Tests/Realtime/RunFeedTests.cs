using OrleansTasks.Realtime;

namespace OrleansTasks.Tests.Realtime;

/// <summary>The client's buffer of a subscription: every state for a reader that keeps up, a bounded backlog for one that does not.</summary>
public sealed class RunFeedTests
{
    [Fact]
    public async Task AReaderThatKeepsUp_GetsEveryState_InVersionOrder_AndNoOlderOrRepeatedOne()
    {
        var feed = new RunFeed(_ => true);
        foreach (var version in new long[] { 1, 2, 2, 1, 3, 5, 4 })
        {
            feed.Offer(Run("run_a", version));
        }

        var read = new List<long>();
        while (feed.Pending > 0)
        {
            read.Add((await feed.ReadAsync(TestContext.Current.CancellationToken)).Version);
        }

        Assert.Equal([1, 2, 3, 5], read);
    }

    [Fact]
    public async Task AReaderThatFallsBehind_HoldsABoundedBacklog_AndStillEndsOnEachRunsNewestState()
    {
        var feed = new RunFeed(_ => true);
        for (var version = 1; version <= 100_000; version++)
        {
            feed.Offer(Run("run_a", version));
            feed.Offer(Run("run_b", version));
            Assert.True(feed.Pending <= RunFeed.MaxPending, $"{feed.Pending} states held");
        }

        var newest = new Dictionary<string, long>();
        while (feed.Pending > 0)
        {
            var run = await feed.ReadAsync(TestContext.Current.CancellationToken);
            Assert.True(run.Version > newest.GetValueOrDefault(run.Id));
            newest[run.Id] = run.Version;
        }

        Assert.Equal(100_000, newest["run_a"]);
        Assert.Equal(100_000, newest["run_b"]);
    }

    [Fact]
    public async Task AReaderThatCancelled_GetsNoMoreStates_EvenOnesAlreadyPending()
    {
        var feed = new RunFeed(_ => true);
        feed.Offer(Run("run_a", 1));
        feed.Offer(Run("run_a", 2));
        Assert.Equal(1, (await feed.ReadAsync(TestContext.Current.CancellationToken)).Version);

        using var stop = new CancellationTokenSource();
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => feed.ReadAsync(stop.Token).AsTask());
        Assert.Equal(1, feed.Pending);
    }

    [Fact]
    public void StatesThatDoNotBelong_AreNotKept()
    {
        var feed = new RunFeed(run => run.Id == "run_a");
        feed.Offer(Run("run_b", 1));
        Assert.Equal(0, feed.Pending);
    }

    private static TaskRun Run(string id, long version) => new()
    {
        Id = id,
        TaskId = "echo",
        Status = RunStatus.Executing,
        CreatedAt = DateTimeOffset.UnixEpoch,
        UpdatedAt = DateTimeOffset.UnixEpoch,
        PayloadJson = "{}",
        Queue = "echo",
        Version = version,
    };
}
