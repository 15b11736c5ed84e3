using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Journal;

[Collection(ClusterCollection.Name)]
public sealed class ChildRunTests(ClusterFixture fixture)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly ITaskClient _tasks = fixture.Tasks;

    [Fact]
    public async Task TriggerAndWaitAsync_ReturnsTheChildsOutputAndRecordsTheTree()
    {
        var handle = await _tasks.For<ParentTask>().TriggerAsync(new ParentPayload("single", 21));

        var parent = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the parent");
        var output = parent.GetOutput<ParentOutput>()!;
        var child = await _tasks.Runs.RetrieveAsync(output.Notes[0]);

        Assert.Equal(RunStatus.Completed, parent.Status);
        Assert.Equal([42], output.Values);
        Assert.Equal(handle.Id, child.ParentRunId);
        Assert.Equal(handle.Id, child.RootRunId);
        Assert.Equal(1, child.Depth);
        Assert.Equal(0, parent.Depth);
        Assert.Equal(handle.Id, parent.RootRunId);
        Assert.Null(parent.ParentRunId);
        Assert.Equal("doubler", child.TaskId);
    }

    [Fact]
    public async Task TriggerAndWaitAsync_ChildOutlastsTheHoldTime_ParentSuspendsAndResumesByReplay()
    {
        var key = Guid.NewGuid().ToString();
        var handle = await _tasks.For<ParentTask>().TriggerAsync(new ParentPayload("single", 4, key, ChildHold: TimeSpan.FromSeconds(3)));

        await Eventually.Poll(() => _tasks.Runs.RetrieveAsync(handle.Id), r => r.Status == RunStatus.Waiting, s_timeout, "the parent to wait");
        var parent = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the parent");

        Assert.Equal(RunStatus.Completed, parent.Status);
        Assert.Equal([8], parent.GetOutput<ParentOutput>()!.Values);
        Assert.Equal(1, Probe.CountOf($"{key}:doubler"));
    }

    [Fact]
    public async Task SubtaskUnwrap_ChildFailed_ThrowsWithTheChildsTaskRunAndError()
    {
        var handle = await _tasks.For<ParentTask>().TriggerAsync(new ParentPayload("failing-child"));

        var parent = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the parent");
        var notes = parent.GetOutput<ParentOutput>()!.Notes;

        Assert.Equal(RunStatus.Completed, parent.Status);
        Assert.Equal(notes[0], notes[1]);
        Assert.Equal("always-fails", notes[2]);
        Assert.Equal("attempt 1 failed on purpose", notes[3]);
        Assert.Equal(RunStatus.Failed, (await _tasks.Runs.RetrieveAsync(notes[0])).Status);
    }

    [Fact]
    public async Task BatchTriggerAndWaitAsync_MixedTasks_ResultsInItemOrder()
    {
        var handle = await _tasks.For<ParentTask>().TriggerAsync(new ParentPayload("batch", 5));

        var parent = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the parent");
        var output = parent.GetOutput<ParentOutput>()!;
        var children = await Task.WhenAll(output.Notes.Select(id => _tasks.Runs.RetrieveAsync(id)));

        Assert.Equal([5, 10, 6], output.Values);
        Assert.Equal(["echo", "doubler", "echo"], children.Select(c => c.TaskId));
        Assert.All(children, c => Assert.Equal(handle.Id, c.ParentRunId));
        Assert.Single(children.Select(c => c.BatchId).Distinct());
        Assert.NotNull(children[0].BatchId);
    }

    [Fact]
    public async Task TriggerAsync_InsideATask_FireAndForgetIsNotTriggeredAgainOnReplay()
    {
        var key = Guid.NewGuid().ToString();
        var handle = await _tasks.For<ParentTask>().TriggerAsync(new ParentPayload("fire-and-forget", 3, key, WaitAfter: TimeSpan.FromSeconds(2)));

        var parent = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the parent");
        var childId = parent.GetOutput<ParentOutput>()!.Notes[0];
        var child = await _tasks.Runs.PollAsync(childId).Within(s_timeout, "the child");

        Assert.Equal(RunStatus.Completed, parent.Status);
        Assert.Equal(6, child.GetOutput<int>());
        Assert.Equal(handle.Id, child.ParentRunId);
        Assert.Equal(1, Probe.CountOf($"{key}:doubler"));
        Assert.Contains(parent.Journal, e => e.Kind == "Wait");
    }

    [Fact]
    public async Task BatchTriggerAsync_InsideATask_CreatesTheChildrenOnceAcrossAReplay()
    {
        var key = Guid.NewGuid().ToString();
        var handle = await _tasks.For<ParentTask>().TriggerAsync(new ParentPayload("batch-fire-and-forget", Key: key, WaitAfter: TimeSpan.FromSeconds(2)));

        var parent = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the parent");
        var notes = parent.GetOutput<ParentOutput>()!.Notes;
        var children = await Task.WhenAll(notes.Skip(1).Select(id => _tasks.Runs.PollAsync(id))).Within(s_timeout, "the children");

        Assert.StartsWith("batch_", notes[0], StringComparison.Ordinal);
        Assert.Equal([2, 4], children.Select(c => c.GetOutput<int>()));
        Assert.All(children, c => Assert.Equal(notes[0], c.BatchId));
        Assert.Equal(2, Probe.CountOf($"{key}:doubler"));
    }

    [Fact]
    public async Task TriggerAndWaitAsync_ParentAndChildrenOnAQueueLimitedToOne_NeverDeadlocks()
    {
        var handle = await _tasks.For<RecursiveTask>().TriggerAsync(new DepthPayload(4));

        var run = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "a tree of five runs on one slot");

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(5, run.GetOutput<int>());
    }

    [Fact]
    public async Task RelatedRuns_ATreeOfFive_ChildRunIdsAndTheParentAndRootFilters()
    {
        var handle = await _tasks.For<RecursiveTask>().TriggerAsync(new DepthPayload(4));
        var root = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "a tree of five runs");

        var tree = await _tasks.Runs.ListAsync(new RunFilter { RootRunId = handle.Id }).ToListAsync();
        var child = await _tasks.Runs.RetrieveAsync(Assert.Single(root.ChildRunIds));
        var grandchildren = await _tasks.Runs.ListAsync(new RunFilter { ParentRunId = child.Id }).ToListAsync();

        Assert.Equal(4, tree.Count);
        Assert.All(tree, r => Assert.Equal(handle.Id, r.RootRunId));
        Assert.Equal([1, 2, 3, 4], tree.Select(r => r.Depth).Order());
        Assert.Equal(handle.Id, child.ParentRunId);
        Assert.Equal(Assert.Single(child.ChildRunIds), Assert.Single(grandchildren).Id);
        Assert.Equal(2, grandchildren[0].Depth);
    }

    [Fact]
    public async Task CancelAsync_ParentWaitingForAChild_CancelsTheChildToo()
    {
        var handle = await _tasks.For<ParentTask>().TriggerAsync(new ParentPayload("single", 1, Guid.NewGuid().ToString(), ChildHold: TimeSpan.FromMinutes(5)));
        var waiting = await Eventually.Poll(
            () => _tasks.Runs.RetrieveAsync(handle.Id),
            r => r.Status == RunStatus.Waiting && r.Journal.Count == 1,
            s_timeout,
            "the parent to wait for its child");

        var cancelled = await _tasks.Runs.CancelAsync(handle.Id);

        Assert.Equal(RunStatus.Canceled, cancelled.Status);
        var childId = Assert.Single(waiting.Journal[0].ChildRunIds);
        await Eventually.Poll(() => _tasks.Runs.RetrieveAsync(childId), c => c.Status == RunStatus.Canceled, s_timeout, "the child to be cancelled");
    }
}
