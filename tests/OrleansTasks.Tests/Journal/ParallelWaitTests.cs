using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Journal;

[Collection(ClusterCollection.Name)]
public sealed class ParallelWaitTests(ClusterFixture fixture)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly ITaskClient _tasks = fixture.Tasks;

    [Fact]
    public async Task WhenAll_TwoChildrenAndALongWait_SuspendsReplaysAndEachChildRunsOnce()
    {
        var key = Guid.NewGuid().ToString();
        var handle = await _tasks.For<ParentTask>().TriggerAsync(new ParentPayload("parallel", 10, key, WaitAfter: TimeSpan.FromSeconds(2)));

        var run = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the parent");

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal([20, 22], run.GetOutput<ParentOutput>()!.Values);
        Assert.Equal(2, Probe.CountOf($"{key}:doubler"));
        Assert.Equal(["0", "1", "2"], run.Journal.Select(e => e.Position).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task WhenAll_TwoFlowsOfStepWaitStep_ReplayGivesEachOperationItsPositionAndStepsRunOnce()
    {
        var key = Guid.NewGuid().ToString();
        var handle = await _tasks.For<ParentTask>().TriggerAsync(new ParentPayload("branches", Key: key, WaitAfter: TimeSpan.FromSeconds(2)));

        var run = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the parent");

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal([40, 50], run.GetOutput<ParentOutput>()!.Values);
        foreach (var step in new[] { "left-start", "left-end", "right-start", "right-end" })
        {
            Assert.Equal(1, Probe.CountOf($"{key}:{step}"));
        }

        Assert.Equal(6, run.Journal.Count);
        Assert.Equal(6, run.Journal.Select(e => e.Position).Distinct().Count());
    }
}
