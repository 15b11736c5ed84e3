using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Runs;

[Collection(ClusterCollection.Name)]
[Trait("Category", "Slow")]
public sealed class TimeoutTests(ClusterFixture fixture)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly ITaskClient _tasks = fixture.Tasks;

    [Fact]
    public async Task AttemptPastMaxDuration_CancelledThroughItsTokenAndRunEndsTimedOut()
    {
        var key = Guid.NewGuid().ToString();
        var handle = await _tasks.For<CooperativeSleepTask>().TriggerAsync(new SleepPayload(TimeSpan.FromMinutes(5), key));

        var run = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the run to time out");

        Assert.Equal(RunStatus.TimedOut, run.Status);
        Assert.Single(run.Attempts);
        Assert.Equal(AttemptStatus.TimedOut, run.Attempts[0].Status);
        Assert.Equal(TaskRunErrorCodes.MaxDurationExceeded, run.Error!.Code);
        await Probe.WhenCanceled(key).Within(s_timeout, "the task to see its token fire");
    }

    [Fact]
    public async Task TaskIgnoringItsToken_StillEndsTimedOutAtTheDeadline()
    {
        var handle = await _tasks.For<StubbornSleepTask>().TriggerAsync(new SleepPayload(TimeSpan.FromSeconds(20)));

        var run = await _tasks.Runs.PollAsync(handle.Id).Within(TimeSpan.FromSeconds(15), "the run to time out");

        Assert.Equal(RunStatus.TimedOut, run.Status);
        Assert.Equal(TaskRunErrorCodes.MaxDurationExceeded, run.Error!.Code);
    }
}
