using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Runs;

[Collection(ClusterCollection.Name)]
public sealed class RetryTests(ClusterFixture fixture)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly ITaskClient _tasks = fixture.Tasks;

    [Fact]
    public async Task FailingTask_RetriesByPolicyThenFails_WaitingTheRetryDelaysBetweenAttempts()
    {
        var handle = await _tasks.For<AlwaysFailsTask>().TriggerAsync(new EmptyPayload());

        var run = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the failing run");

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal(AlwaysFailsTask.Policy.MaxAttempts, run.Attempts.Count);
        Assert.All(run.Attempts, a => Assert.Equal(AttemptStatus.Failed, a.Status));
        for (var failed = 1; failed < run.Attempts.Count; failed++)
        {
            // Randomize is off: the delay after attempt n is exactly MinDelay × Factor^(n−1); the next attempt
            // cannot start before it has passed.
            var delay = AlwaysFailsTask.Policy.GetDelay(failed, random: 0);
            var gap = run.Attempts[failed].StartedAt - run.Attempts[failed - 1].EndedAt!.Value;
            Assert.True(gap >= delay - TimeSpan.FromMilliseconds(5), $"attempt {failed + 1} started {gap} after attempt {failed} failed; the policy says {delay}");
        }

        Assert.Equal(typeof(InvalidOperationException).FullName, run.Error!.Type);
        Assert.Equal("attempt 3 failed on purpose", run.Error.Message);
        Assert.False(string.IsNullOrEmpty(run.Error.StackTrace));
        Assert.Null(run.Error.Code);
        Assert.Equal("attempt 1 failed on purpose", run.Attempts[0].Error!.Message);
    }

    [Fact]
    public async Task FailingTask_SucceedsOnALaterAttempt_CompletesWithEarlierAttemptsRecorded()
    {
        var handle = await _tasks.For<SucceedsOnAttemptTask>().TriggerAsync(new SucceedsOnPayload(3));

        var run = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the run");

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(3, run.GetOutput<int>());
        Assert.Equal([AttemptStatus.Failed, AttemptStatus.Failed, AttemptStatus.Completed], run.Attempts.Select(a => a.Status));
        Assert.Null(run.Error);
    }

    [Fact]
    public async Task MaxAttemptsOverride_OnTrigger_LimitsAttempts()
    {
        var handle = await _tasks.For<SucceedsOnAttemptTask>().TriggerAsync(new SucceedsOnPayload(3), new TriggerOptions { MaxAttempts = 2 });

        var run = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the run");

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal(2, run.Attempts.Count);
        Assert.Equal(2, run.MaxAttempts);
    }

    [Fact]
    public async Task AbortTaskRunException_FailsTheRunAtOnce()
    {
        var handle = await _tasks.For<AbortingTask>().TriggerAsync(new EmptyPayload());

        var run = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the aborted run");

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Single(run.Attempts);
        Assert.Equal(3, run.MaxAttempts);
        Assert.Equal(typeof(AbortTaskRunException).FullName, run.Error!.Type);
        Assert.Equal("the input can never succeed", run.Error.Message);
        Assert.Equal(TaskRunErrorCodes.Aborted, run.Error.Code);
    }

    [Fact]
    public async Task RetrieveAsync_WhileWaitingToRetry_ShowsQueuedWithNextAttemptTimeAndCanBeCancelled()
    {
        var handle = await _tasks.For<SlowRetryTask>().TriggerAsync(new SlowRetryPayload());

        var waiting = await Eventually.Poll(
            () => _tasks.Runs.RetrieveAsync(handle.Id),
            r => r.Status == RunStatus.Queued && r.Attempts.Count == 1,
            s_timeout,
            "the run to wait for its second attempt");
        var cancelled = await _tasks.Runs.CancelAsync(handle.Id);

        Assert.NotNull(waiting.NextAttemptAt);
        Assert.True(waiting.NextAttemptAt >= waiting.Attempts[0].EndedAt!.Value + TimeSpan.FromSeconds(8));
        Assert.Equal(RunStatus.Canceled, cancelled.Status);
        Assert.Null(cancelled.NextAttemptAt);
        Assert.Single(cancelled.Attempts);
    }
}
