using OrleansTasks.Listing;
using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Listing;

/// <summary><c>Runs.ListAsync</c> through a cluster; each test finds its own runs by a tag of its own.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RunListingTests(ClusterFixture fixture)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly ITaskClient _tasks = fixture.Tasks;

    [Fact]
    public async Task ListAsync_ManyPages_EveryRunOnceNewestFirst()
    {
        var tag = NewTag();
        var triggered = new List<string>();
        for (var i = 0; i < 23; i++)
        {
            triggered.Add((await _tasks.For<PausedTask>().TriggerAsync(new EmptyPayload(), new TriggerOptions { Tags = [tag] })).Id);
        }

        var listed = await ToListAsync(_tasks.Runs.ListAsync(new RunFilter { Tags = [tag], PageSize = 5 }));

        Assert.Equal(triggered.Order(StringComparer.Ordinal), listed.Select(r => r.Id).Order(StringComparer.Ordinal));
        Assert.Equal(listed.Count, listed.Select(r => r.Id).Distinct().Count());
        Assert.Equal(listed.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id, StringComparer.Ordinal), listed);
        Assert.All(listed, r => Assert.Equal(RunStatus.Queued, r.Status));
        Assert.All(listed, r => Assert.Equal("paused-queue", r.Queue));
        await _tasks.Runs.CancelManyAsync(new RunFilter { Tags = [tag] });
    }

    [Fact]
    public async Task ListAsync_ByStatusAndTask_FindsTheFinishedRuns()
    {
        var tag = NewTag();
        var completed = await _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(1), new TriggerOptions { Tags = [tag] });
        var failed = await _tasks.For<AbortingTask>().TriggerAsync(new EmptyPayload(), new TriggerOptions { Tags = [tag] });
        await _tasks.Runs.PollAsync(completed.Id).Within(s_timeout, "the echo run");
        await _tasks.Runs.PollAsync(failed.Id).Within(s_timeout, "the aborting run");

        var failures = await ToListAsync(_tasks.Runs.ListAsync(new RunFilter { Tags = [tag], Statuses = [RunStatus.Failed] }));
        var echoes = await ToListAsync(_tasks.Runs.ListAsync(new RunFilter { Tags = [tag], TaskIds = ["echo"] }));

        var failure = Assert.Single(failures);
        Assert.Equal(failed.Id, failure.Id);
        Assert.NotNull(failure.ErrorMessage);
        Assert.Equal(1, failure.AttemptCount);
        var echo = Assert.Single(echoes);
        Assert.Equal(completed.Id, echo.Id);
        Assert.Equal(RunStatus.Completed, echo.Status);
        Assert.NotNull(echo.FinishedAt);
    }

    [Fact]
    public async Task ListAsync_ByIdempotencyKeyAsTriggered_FindsThatRun()
    {
        var key = "listing-" + Guid.NewGuid().ToString("N");
        var keyed = await _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(5), new TriggerOptions { IdempotencyKey = key });
        await _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(6), new TriggerOptions { IdempotencyKey = key + "-other" });

        var listed = await ToListAsync(_tasks.Runs.ListAsync(new RunFilter { IdempotencyKey = key }));
        var byHash = await ToListAsync(_tasks.Runs.ListAsync(new RunFilter { IdempotencyKey = IdempotencyKeys.Hash(key, IdempotencyKeyScope.Global, null, 0) }));

        var run = Assert.Single(listed);
        Assert.Equal(keyed.Id, run.Id);
        Assert.Equal(key, run.IdempotencyKey);
        Assert.Equal(keyed.Id, Assert.Single(byHash).Id);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(1001)]
    public void ListAsync_PageSizeOutOfRange_ThrowsAtTheCall(int pageSize)
    {
        // The sequence is never read: the call itself must refuse.
        var exception = Assert.Throws<InvalidRequestException>(() => _tasks.Runs.ListAsync(new RunFilter { PageSize = pageSize }));

        Assert.Contains("PageSize", exception.Message, StringComparison.Ordinal);
        Assert.Contains("1 and 1,000", exception.Message, StringComparison.Ordinal);
        Assert.Equal("filter", exception.Parameter);
    }

    [Fact]
    public void ListAsync_FromNotBeforeTo_ThrowsAtTheCall()
    {
        var now = DateTimeOffset.UtcNow;

        var exception = Assert.Throws<InvalidRequestException>(() => _tasks.Runs.ListAsync(new RunFilter { From = now, To = now }));

        Assert.Contains("From", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ListAsync_EmptyTag_ThrowsAtTheCall()
    {
        var exception = Assert.Throws<InvalidRequestException>(() => _tasks.Runs.ListAsync(new RunFilter { Tags = ["ok", ""] }));

        Assert.Contains("Tags", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task QueryGrain_BadPageSizeFromAnotherCaller_RefusedOnTheSilo()
    {
        var grain = fixture.Grains.GetGrain<IRunQueryGrain>(0);

        var exception = await Assert.ThrowsAsync<InvalidRequestException>(() => grain.ListAsync(new RunFilter { PageSize = 5000 }, null));

        Assert.Contains("PageSize", exception.Message, StringComparison.Ordinal);
    }

    internal static string NewTag() => "listing-" + Guid.NewGuid().ToString("N")[..12];

    internal static async Task<List<RunSummary>> ToListAsync(IAsyncEnumerable<RunSummary> runs)
    {
        var list = new List<RunSummary>();
        await foreach (var run in runs)
        {
            list.Add(run);
        }

        return list;
    }
}
