using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Journal;

[Collection(ClusterCollection.Name)]
public sealed class StepTests(ClusterFixture fixture)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly ITaskClient _tasks = fixture.Tasks;

    [Fact]
    public async Task StepAsync_AcrossASuspendingWait_EachStepRunsOnceAndReplayReturnsItsRecordedResult()
    {
        var key = Guid.NewGuid().ToString();
        var handle = await _tasks.For<StepWaitStepTask>().TriggerAsync(new StepWaitPayload(key, TimeSpan.FromSeconds(2)));

        var suspended = await Eventually.Poll(() => _tasks.Runs.RetrieveAsync(handle.Id), r => r.Status == RunStatus.Waiting, s_timeout, "the run to suspend in its wait");
        var run = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the run");

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(1, Probe.CountOf($"{key}:before"));
        Assert.Equal(1, Probe.CountOf($"{key}:after"));
        Assert.Single(run.Attempts);
        Assert.StartsWith("before@", run.GetOutput<StepWaitOutput>()!.Before, StringComparison.Ordinal);
        Assert.Equal(["0", "1", "2"], run.Journal.Select(e => e.Position));
        Assert.Equal(["Step", "Wait", "Step"], run.Journal.Select(e => e.Kind));
        Assert.All(run.Journal, e => Assert.True(e.Completed));
        Assert.Contains(suspended.Journal, e => e is { Kind: "Wait", Completed: false });
    }

    [Fact]
    public async Task StepAsync_RetryAfterAFailure_IsAFreshAttemptThatRunsTheStepAgain()
    {
        var key = Guid.NewGuid().ToString();
        var handle = await _tasks.For<StepThenFailTask>().TriggerAsync(new KeyPayload(key));

        var run = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the run");

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(2, run.Attempts.Count);
        Assert.Equal(2, run.GetOutput<int>());
        Assert.Equal(2, Probe.CountOf($"{key}:step"));
        Assert.Single(run.Journal);

        // The first attempt's journal stays, attempt by attempt.
        var first = Assert.Single(run.History);
        Assert.Equal(1, first.Attempt);
        var step = Assert.Single(first.Entries);
        Assert.Equal(("Step", "count", true), (step.Kind, step.Name, step.Completed));
        Assert.True(step.CompletedAt >= step.CreatedAt);
    }

    [Fact]
    public async Task CancelAsync_RunSuspendedInALongWait_IsCanceledAndNeverResumes()
    {
        var key = Guid.NewGuid().ToString();
        var handle = await _tasks.For<StepWaitStepTask>().TriggerAsync(new StepWaitPayload(key, TimeSpan.FromSeconds(3)));
        await Eventually.Poll(() => _tasks.Runs.RetrieveAsync(handle.Id), r => r.Status == RunStatus.Waiting, s_timeout, "the run to suspend");

        var cancelled = await _tasks.Runs.CancelAsync(handle.Id);
        var stillCancelled = await Eventually.Poll(
            () => _tasks.Runs.RetrieveAsync(handle.Id),
            r => DateTimeOffset.UtcNow > cancelled.FinishedAt!.Value.AddSeconds(4),
            s_timeout,
            "the wait's moment to pass");

        Assert.Equal(RunStatus.Canceled, stillCancelled.Status);
        Assert.Equal(0, Probe.CountOf($"{key}:after"));
        Assert.Null(stillCancelled.NextAttemptAt);
    }

    [Fact]
    public async Task StepIdempotencyKey_SameForTheStepOnEveryAttempt_DistinctPerStep_RefusedOutsideAStep()
    {
        var key = Guid.NewGuid().ToString();
        var handle = await _tasks.For<StepKeyTask>().TriggerAsync(new KeyPayload(key));

        var run = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the run");

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(2, run.Attempts.Count);
        var parts = run.GetOutput<string>()!.Split('|');
        Assert.Equal("refused", parts[0]);
        Assert.StartsWith(handle.Id + "/", parts[1], StringComparison.Ordinal);
        Assert.NotEqual(parts[1], parts[2]);
        Assert.Equal([parts[1], parts[1]], StepKeyTask.Seen[key]);
    }

    [Fact]
    public async Task StepAsync_DurableOperationInsideAStep_FailsTheRunWithAClearError()
    {
        var handle = await _tasks.For<NestedStepTask>().TriggerAsync(new KeyPayload("nested"), new TriggerOptions { MaxAttempts = 1 });

        var run = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the run");

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal(typeof(InvalidOperationException).FullName, run.Error!.Type);
        Assert.Contains("inside StepAsync", run.Error.Message, StringComparison.Ordinal);
    }
}
