using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Journal;

[Collection(ClusterCollection.Name)]
public sealed class DeterminismTests(ClusterFixture fixture)
{
    [Fact]
    public async Task Replay_CodeMakesADifferentOperation_RunFailsNamingThePositionAndBothOperations()
    {
        var key = Guid.NewGuid().ToString();
        var handle = await fixture.Tasks.For<NonDeterministicTask>().TriggerAsync(new KeyPayload(key));

        var run = await fixture.Tasks.Runs.PollAsync(handle.Id).Within(TimeSpan.FromSeconds(30), "the run");

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Single(run.Attempts);
        Assert.Equal(TaskRunErrorCodes.NonDeterminism, run.Error!.Code);
        Assert.Equal(typeof(NonDeterminismException).FullName, run.Error.Type);
        Assert.Contains("position 0", run.Error.Message, StringComparison.Ordinal);
        Assert.Contains("StepAsync(\"first-time\")", run.Error.Message, StringComparison.Ordinal);
        Assert.Contains("Wait (for)", run.Error.Message, StringComparison.Ordinal);
    }
}
