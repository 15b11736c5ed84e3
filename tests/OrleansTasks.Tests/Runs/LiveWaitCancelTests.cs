using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Runs;

/// <summary>Cancelling a run whose code is waiting live (not suspended): the wait throws, so the code unwinds at once.</summary>
[Collection(LiveWaitCollection.Name)]
public sealed class LiveWaitCancelTests(LiveWaitFixture fixture)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly ITaskClient _tasks = fixture.Tasks;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CancelAsync_RunWaitingLive_TheWaitThrowsOperationCanceled(bool forToken)
    {
        var key = Guid.NewGuid().ToString();
        var handle = await _tasks.For<CancellableWaitTask>().TriggerAsync(new CancellableWaitPayload(key, forToken));
        await Probe.WhenStarted(key).Within(s_timeout, "the attempt to start");
        await Eventually.Poll(() => _tasks.Runs.RetrieveAsync(handle.Id), r => r.Journal.Any(j => j.Kind is "Wait" or "WaitToken"), s_timeout, "the wait to be journaled");

        var cancelled = await _tasks.Runs.CancelAsync(handle.Id);

        Assert.Equal(RunStatus.Canceled, cancelled.Status);
        // Before the fix the wait ignored the cancellation: the code stayed parked until the cancel timeout abandoned it.
        await Probe.WhenCanceled(key).Within(s_timeout, "the wait to throw OperationCanceledException");
        var run = await _tasks.Runs.RetrieveAsync(handle.Id);
        Assert.Equal(RunStatus.Canceled, run.Status);
        Assert.Equal(AttemptStatus.Canceled, Assert.Single(run.Attempts).Status);
    }
}
