using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Journal;

/// <summary>
/// Durable operations take a <see cref="CancellationToken"/>: a wait whose token fires throws
/// <see cref="OperationCanceledException"/>, the attempt goes on, the run records the wait as abandoned, and a replay
/// throws at the same place although its token never fires.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class AbandonedWaitTests(ClusterFixture fixture)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly ITaskClient _tasks = fixture.Tasks;

    [Theory]
    [InlineData("duration", "Wait")]
    [InlineData("token", "WaitToken")]
    [InlineData("child", "TriggerAndWait")]
    public async Task Wait_WhoseTokenFires_ThrowsAndTheRunGoesOnWithTheWaitRecordedAsAbandoned(string kind, string journalKind)
    {
        var key = Guid.NewGuid().ToString("N");

        var handle = await _tasks.For<AbandonTask>().TriggerAsync(new AbandonPayload(key, kind));
        var run = await _tasks.Runs.PollAsync(handle).Within(s_timeout, "the run that abandons its wait");

        Assert.True(run.IsSuccess, run.Error?.ToString());
        Assert.Equal("abandoned", run.Output);
        var wait = Assert.Single(run.Run.Journal, e => e.Kind == journalKind);
        Assert.True(wait.Completed);
        Assert.True(wait.Abandoned);
        Assert.Equal(0, Probe.CountOf($"{key}:finished"));
        Assert.Equal(1, Probe.CountOf($"{key}:after"));
        Assert.Single(run.Run.Attempts);
    }

    [Fact]
    public async Task AbandonedChildWait_LeavesTheChildRunning()
    {
        var key = Guid.NewGuid().ToString("N");

        var handle = await _tasks.For<AbandonTask>().TriggerAsync(new AbandonPayload(key, "child"));
        var parent = await _tasks.Runs.PollAsync(handle).Within(s_timeout, "the parent");
        var childId = Assert.Single(parent.Run.Journal, e => e.Kind == "TriggerAndWait").ChildRunIds.Single();
        var child = await _tasks.Runs.RetrieveAsync(childId);
        var cancelled = await _tasks.Runs.CancelAsync(childId);
        var parentAfter = await _tasks.Runs.RetrieveAsync(handle.Id);

        Assert.False(child.IsFinal);
        Assert.Equal(RunStatus.Canceled, cancelled.Status);
        Assert.Equal(RunStatus.Completed, parentAfter.Status);
        Assert.Equal(parent.Run.UpdatedAt, parentAfter.UpdatedAt); // the child's end changed nothing in the parent
    }

    [Fact]
    public async Task AbandonedTokenWait_TheTokenCompletedLaterChangesNothing()
    {
        var key = Guid.NewGuid().ToString("N");
        var handle = await _tasks.For<AbandonTask>().TriggerAsync(new AbandonPayload(key, "token"));
        var run = await _tasks.Runs.PollAsync(handle).Within(s_timeout, "the run");
        var tokenId = Assert.Single(run.Run.Journal, e => e.Kind == "WaitToken").Position;
        var token = await FindTokenAsync(key);

        var completed = await _tasks.Waitpoints.CompleteTokenAsync(token.Id, "late");
        var after = await _tasks.Runs.RetrieveAsync(handle.Id);

        Assert.Equal(WaitpointStatus.Completed, completed.Status);
        Assert.Equal("abandoned", after.GetOutput<string>());
        Assert.True(Assert.Single(after.Journal, e => e.Position == tokenId).Abandoned);
    }

    [Theory]
    [InlineData("duration")]
    [InlineData("token")]
    public async Task Replay_OverAnAbandonedWait_ThrowsThereAgainWithoutItsTokenFiring(string kind)
    {
        var key = Guid.NewGuid().ToString("N");

        // The run suspends after the abandoned wait and resumes by replay; the replay's token never fires, so only the
        // journal can make the wait throw there again (otherwise the replay would wait five minutes or for the token).
        var handle = await _tasks.For<AbandonTask>().TriggerAsync(new AbandonPayload(key, kind, SuspendAfter: true));
        var run = await _tasks.Runs.PollAsync(handle).Within(s_timeout, "the run that replays over an abandoned wait");

        Assert.True(run.IsSuccess, run.Error?.ToString());
        Assert.Equal("abandoned", run.Output);
        Assert.True(Probe.CountOf($"{key}:executions") >= 2, "the attempt replayed");
        Assert.Equal(Probe.CountOf($"{key}:executions"), Probe.CountOf($"{key}:abandoned"));
        Assert.Equal(0, Probe.CountOf($"{key}:finished"));
        Assert.Equal(1, Probe.CountOf($"{key}:after"));
    }

    [Fact]
    public async Task Wait_WithATokenFiredBeforeTheCall_ThrowsAndRecordsNothing()
    {
        var key = Guid.NewGuid().ToString("N");

        var handle = await _tasks.For<AbandonTask>().TriggerAsync(new AbandonPayload(key, "precanceled"));
        var run = await _tasks.Runs.PollAsync(handle).Within(s_timeout, "the run");

        Assert.Equal("abandoned", run.Output);
        Assert.DoesNotContain(run.Run.Journal, e => e.Kind == "Wait");
        Assert.Contains(run.Run.Journal, e => e is { Kind: "Step", Name: "after" });
    }

    [Fact]
    public async Task Step_WhoseTokenFires_IsCutShortAndNotRecorded()
    {
        var key = Guid.NewGuid().ToString("N");

        var handle = await _tasks.For<AbandonTask>().TriggerAsync(new AbandonPayload(key, "step"));
        var run = await _tasks.Runs.PollAsync(handle).Within(s_timeout, "the run");

        Assert.Equal("abandoned", run.Output);
        Assert.DoesNotContain(run.Run.Journal, e => e.Name == "cut short");
        Assert.Contains(run.Run.Journal, e => e is { Kind: "Step", Name: "after" });
    }

    private async Task<WaitpointToken> FindTokenAsync(string tag)
    {
        await foreach (var token in _tasks.Waitpoints.ListTokensAsync(new WaitpointTokenFilter { Tags = [tag] }))
        {
            return token;
        }

        throw new InvalidOperationException($"No token is tagged {tag}.");
    }
}
