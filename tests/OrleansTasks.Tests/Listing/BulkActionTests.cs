using OrleansTasks.Storage;
using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Listing;

[Collection(ClusterCollection.Name)]
public sealed class BulkActionTests(ClusterFixture fixture)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly ITaskClient _tasks = fixture.Tasks;

    [Fact]
    public async Task CancelManyAsync_ByTag_CancelsOnlyTheUnfinishedRunsWithIt()
    {
        var target = RunListingTests.NewTag();
        var bystander = RunListingTests.NewTag();
        var queued = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            queued.Add((await _tasks.For<PausedTask>().TriggerAsync(new EmptyPayload(), new TriggerOptions { Tags = [target] })).Id);
        }

        var others = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            others.Add((await _tasks.For<PausedTask>().TriggerAsync(new EmptyPayload(), new TriggerOptions { Tags = [bystander] })).Id);
        }

        var finished = await _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(1), new TriggerOptions { Tags = [target] });
        await _tasks.Runs.PollAsync(finished.Id).Within(s_timeout, "the echo run");

        var result = await _tasks.Runs.CancelManyAsync(new RunFilter { Tags = [target] });

        Assert.Equal(5, result.Matched);
        Assert.Equal(5, result.Succeeded);
        Assert.Equal(0, result.Skipped);
        Assert.Empty(result.Failures);
        Assert.Empty(result.CreatedRuns);
        foreach (var id in queued)
        {
            Assert.Equal(RunStatus.Canceled, (await _tasks.Runs.RetrieveAsync(id)).Status);
        }

        foreach (var id in others)
        {
            Assert.Equal(RunStatus.Queued, (await _tasks.Runs.RetrieveAsync(id)).Status);
        }

        Assert.Equal(RunStatus.Completed, (await _tasks.Runs.RetrieveAsync(finished.Id)).Status);
        await _tasks.Runs.CancelManyAsync(new RunFilter { Tags = [bystander] });
    }

    [Fact]
    public async Task CancelManyAsync_OnlyFinalStatusesAsked_MatchesNothing()
    {
        var tag = RunListingTests.NewTag();
        var queued = await _tasks.For<PausedTask>().TriggerAsync(new EmptyPayload(), new TriggerOptions { Tags = [tag] });

        var result = await _tasks.Runs.CancelManyAsync(new RunFilter { Tags = [tag], Statuses = [RunStatus.Completed, RunStatus.Failed] });

        Assert.Equal(0, result.Matched);
        Assert.Equal(RunStatus.Queued, (await _tasks.Runs.RetrieveAsync(queued.Id)).Status);
        await _tasks.Runs.CancelAsync(queued.Id);
    }

    [Fact]
    public async Task ReplayManyAsync_ByTag_ReplaysEachMatchOnceAndNotItsOwnReplays()
    {
        var tag = RunListingTests.NewTag();
        var originals = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var handle = await _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(i), new TriggerOptions { Tags = [tag] });
            await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "an original run");
            originals.Add(handle.Id);
        }

        var result = await _tasks.Runs.ReplayManyAsync(new RunFilter { Tags = [tag], PageSize = 2 });

        Assert.Equal(4, result.Matched);
        Assert.Equal(4, result.Succeeded);
        Assert.Empty(result.Failures);
        Assert.Equal(4, result.CreatedRuns.Count);
        var replays = new List<TaskRun>();
        foreach (var created in result.CreatedRuns)
        {
            replays.Add(await _tasks.Runs.PollAsync(created.Id).Within(s_timeout, "a replay"));
        }

        Assert.Equal(originals.Order(StringComparer.Ordinal), replays.Select(r => r.ReplayOf!).Order(StringComparer.Ordinal));
        Assert.All(replays, r => Assert.Equal(RunStatus.Completed, r.Status));

        // The replays carry the tag too, so the filter matches them now; they were not replayed in turn.
        var listed = await RunListingTests.ToListAsync(_tasks.Runs.ListAsync(new RunFilter { Tags = [tag] }));
        Assert.Equal(8, listed.Count);
        Assert.Equal(4, listed.Count(r => r.ReplayOf is not null));
    }

    [Fact]
    public async Task ReplayManyAsync_ARunThatCannotBeReplayed_ReportedWhileTheOthersAreReplayed()
    {
        var tag = RunListingTests.NewTag();
        var good = await _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(1), new TriggerOptions { Tags = [tag] });
        await _tasks.Runs.PollAsync(good.Id).Within(s_timeout, "the echo run");

        // A run of a task no silo registers any more (its code was removed since).
        var now = DateTimeOffset.UtcNow;
        var orphan = new RunState
        {
            Id = OrleansTasks.Runs.RunIds.NewRunId(now),
            TaskId = "task-removed-since",
            Status = RunStatus.Failed,
            Queue = "task-removed-since",
            Tags = [tag],
            CreatedAt = now,
            UpdatedAt = now,
            FinishedAt = now,
            Version = 1,
            PayloadJson = "{}",
            MaxAttempts = 1,
        };
        Assert.True(await fixture.Store.TryInsertAsync(RunRow.From(orphan)));

        var result = await _tasks.Runs.ReplayManyAsync(new RunFilter { Tags = [tag] });

        Assert.Equal(2, result.Matched);
        Assert.Equal(1, result.Succeeded);
        var failure = Assert.Single(result.Failures);
        Assert.Equal(orphan.Id, failure.RunId);
        Assert.Equal(typeof(UnknownTaskException).FullName, failure.ErrorType);
        Assert.Contains("task-removed-since", failure.Error, StringComparison.Ordinal);
        Assert.Equal(good.Id, (await _tasks.Runs.RetrieveAsync(Assert.Single(result.CreatedRuns).Id)).ReplayOf);
    }

    [Fact]
    public async Task BulkActions_InvalidFilter_ThrowBeforeAnythingIsDone()
    {
        await Assert.ThrowsAsync<InvalidRequestException>(() => _tasks.Runs.CancelManyAsync(new RunFilter { PageSize = 0 }));
        await Assert.ThrowsAsync<InvalidRequestException>(() => _tasks.Runs.ReplayManyAsync(new RunFilter { PageSize = 1001 }));
        await Assert.ThrowsAsync<ArgumentNullException>(() => _tasks.Runs.ReplayManyAsync(null!));
    }
}
