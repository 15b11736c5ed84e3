using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Options;

[Collection(ClusterCollection.Name)]
public sealed class DelayAndTtlTests(ClusterFixture fixture)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly ITaskClient _tasks = fixture.Tasks;

    [Theory]
    [InlineData(300)]   // Below the suspend threshold: waits in memory.
    [InlineData(2500)]  // Past it: the run is suspended and the supervisor wakes it.
    public async Task Delay_KeepsTheRunDelayedUntilDue_ThenItRuns(int delayMs)
    {
        var delay = TimeSpan.FromMilliseconds(delayMs);
        var before = DateTimeOffset.UtcNow;
        var handle = await _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(7), new TriggerOptions { Delay = delay });

        var delayed = await _tasks.Runs.RetrieveAsync(handle.Id);
        Assert.Equal(RunStatus.Delayed, delayed.Status);
        Assert.NotNull(delayed.DelayedUntil);
        Assert.True(delayed.DelayedUntil >= before + delay);

        var run = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the delayed run");
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.True(run.StartedAt >= delayed.DelayedUntil, $"started {run.StartedAt:O}, due {delayed.DelayedUntil:O}");
        Assert.Null(run.DelayedUntil);
    }

    [Fact]
    public async Task DelayUntil_AMoment_AndBothDelayFormsTogetherAreRefused()
    {
        var at = DateTimeOffset.UtcNow.AddMilliseconds(500);
        var handle = await _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(1), new TriggerOptions { DelayUntil = at });
        var run = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the run");
        Assert.True(run.StartedAt >= at);

        var error = await Assert.ThrowsAsync<InvalidTriggerException>(() => _tasks.For<EchoTask>().TriggerAsync(
            new EchoPayload(1), new TriggerOptions { DelayUntil = at, Delay = TimeSpan.FromSeconds(1) }));
        Assert.Contains("Delay and DelayUntil", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reschedule_MovesADelayedRun_AndRefusesAnyOtherStatus()
    {
        var handle = await _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(3), new TriggerOptions { Delay = TimeSpan.FromHours(1) });
        Assert.Equal(RunStatus.Delayed, (await _tasks.Runs.RetrieveAsync(handle.Id)).Status);

        var moved = await _tasks.Runs.RescheduleAsync(handle.Id, TimeSpan.FromMilliseconds(500));
        Assert.True(moved.DelayedUntil < DateTimeOffset.UtcNow.AddMinutes(1));
        var run = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the rescheduled run");
        Assert.Equal(RunStatus.Completed, run.Status);

        var error = await Assert.ThrowsAsync<InvalidRunOperationException>(() => _tasks.Runs.RescheduleAsync(handle.Id, TimeSpan.FromMinutes(5)));
        Assert.Equal(RunStatus.Completed, error.Status);
        Assert.Contains("only a DELAYED run", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<RunNotFoundException>(() => _tasks.Runs.RescheduleAsync("run_doesnotexist", TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public async Task CancelADelayedRun_EndsItWithoutRunning()
    {
        var handle = await _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(4), new TriggerOptions { Delay = TimeSpan.FromHours(1) });
        var cancelled = await _tasks.Runs.CancelAsync(handle.Id);
        Assert.Equal(RunStatus.Canceled, cancelled.Status);
        Assert.Empty(cancelled.Attempts);
    }

    [Fact]
    public async Task Ttl_ARunNotStartedInTime_Expires()
    {
        // The paused queue never grants a slot, so the run waits until its time to live runs out.
        var handle = await _tasks.For<PausedTask>().TriggerAsync(new EmptyPayload(), new TriggerOptions { Ttl = TimeSpan.FromSeconds(1) });
        var run = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the run to expire");

        Assert.Equal(RunStatus.Expired, run.Status);
        Assert.Empty(run.Attempts);
        Assert.Equal(TaskRunErrorCodes.Expired, run.Error!.Code);
        Assert.NotNull(run.ExpiredAt);
        Assert.True(run.IsFailed);
    }

    [Fact]
    public async Task Ttl_CountsFromTheEndOfTheDelay_AndARunThatStartsInTimeCompletes()
    {
        var handle = await _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(5), new TriggerOptions { Delay = TimeSpan.FromSeconds(2), Ttl = TimeSpan.FromSeconds(1) });
        var run = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the delayed run with a TTL");
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(TimeSpan.FromSeconds(1), run.Ttl);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(30 * 24 * 3600 + 1)]
    public async Task Priority_OutOfRange_IsRefused(int priority)
    {
        var error = await Assert.ThrowsAsync<InvalidTriggerException>(() =>
            _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(1), new TriggerOptions { Priority = priority }));
        Assert.Contains("Priority", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ttl_BelowOneSecond_IsRefused()
    {
        var error = await Assert.ThrowsAsync<InvalidTriggerException>(() =>
            _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(1), new TriggerOptions { Ttl = TimeSpan.FromMilliseconds(10) }));
        Assert.Contains("Ttl", error.Message, StringComparison.Ordinal);
    }
}
