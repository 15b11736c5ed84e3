using OrleansTasks.Queues;
using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Runs;

[Collection(ClusterCollection.Name)]
public sealed class CancelTests(ClusterFixture fixture)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly ITaskClient _tasks = fixture.Tasks;

    [Fact]
    public async Task CancelAsync_QueuedRun_CanceledAtOnceAndLeavesTheQueue()
    {
        var handle = await _tasks.For<PausedTask>().TriggerAsync(new EmptyPayload());
        var queue = fixture.Grains.GetGrain<IQueueGrain>("paused-queue");
        await Eventually.Poll(() => queue.GetInfoAsync(), q => q.Queued >= 1, s_timeout, "the run to be queued");
        var queuedBefore = (await queue.GetInfoAsync()).Queued;

        var cancelled = await _tasks.Runs.CancelAsync(handle.Id);

        Assert.Equal(RunStatus.Canceled, cancelled.Status);
        Assert.Empty(cancelled.Attempts);
        Assert.NotNull(cancelled.FinishedAt);
        Assert.Equal(RunStatus.Canceled, (await _tasks.Runs.PollAsync(handle.Id)).Status);
        await Eventually.Poll(() => queue.GetInfoAsync(), q => q.Queued == queuedBefore - 1, s_timeout, "the run to leave the queue");
    }

    [Fact]
    public async Task CancelAsync_ExecutingRun_FiresItsTokenAndEndsCanceled()
    {
        var key = Guid.NewGuid().ToString();
        var handle = await _tasks.For<CooperativeSleepTask>().TriggerAsync(new SleepPayload(TimeSpan.FromMinutes(5), key));
        await Probe.WhenStarted(key).Within(s_timeout, "the attempt to start");

        var cancelled = await _tasks.Runs.CancelAsync(handle.Id);

        Assert.Equal(RunStatus.Canceled, cancelled.Status);
        Assert.Equal(AttemptStatus.Canceled, Assert.Single(cancelled.Attempts).Status);
        await Probe.WhenCanceled(key).Within(s_timeout, "the task to see its token fire");
        var run = await _tasks.Runs.RetrieveAsync(handle.Id);
        Assert.Equal(RunStatus.Canceled, run.Status);
        Assert.Single(run.Attempts);
    }

    [Fact]
    public async Task CancelAsync_FinishedRun_LeavesItAsItIs()
    {
        var handle = await _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(3));
        await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the run");

        var after = await _tasks.Runs.CancelAsync(handle.Id);

        Assert.Equal(RunStatus.Completed, after.Status);
        Assert.Equal(3, after.GetOutput<EchoOutput>()!.Value);
    }

    [Fact]
    public async Task CancelAsync_UnknownRun_ThrowsRunNotFound()
    {
        await Assert.ThrowsAsync<RunNotFoundException>(() => _tasks.Runs.CancelAsync("run_nosuchrun"));
    }

    [Fact]
    public async Task PollAsync_CallerGivesUp_ThrowsOperationCanceledAndRunGoesOn()
    {
        var handle = await _tasks.For<PausedTask>().TriggerAsync(new EmptyPayload());
        using var giveUp = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _tasks.Runs.PollAsync(handle.Id, giveUp.Token));

        Assert.Equal(RunStatus.Queued, (await _tasks.Runs.RetrieveAsync(handle.Id)).Status);
        await _tasks.Runs.CancelAsync(handle.Id);
    }
}
