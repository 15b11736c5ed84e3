using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Journal;

[Collection(ClusterCollection.Name)]
public sealed class WaitTests(ClusterFixture fixture)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly ITaskClient _tasks = fixture.Tasks;

    [Fact]
    public async Task WaitFor_ShorterThanTheThreshold_StaysInMemoryAndKeepsTheSlot()
    {
        Probe.Reset("solo-wait");
        var waiting = await _tasks.For<SoloWaitTask>().TriggerAsync(new SoloWaitPayload(1, Wait: TimeSpan.FromMilliseconds(600)));
        await Eventually.Poll(() => _tasks.Runs.RetrieveAsync(waiting.Id), r => r.Journal.Count == 2, s_timeout, "the short wait to start");
        var queued = await _tasks.For<SoloWaitTask>().TriggerAsync(new SoloWaitPayload(2));

        var during = await _tasks.Runs.RetrieveAsync(waiting.Id);
        await Task.WhenAll(_tasks.Runs.PollAsync(waiting.Id), _tasks.Runs.PollAsync(queued.Id)).Within(s_timeout, "both runs");

        Assert.Equal(RunStatus.Executing, during.Status);
        Assert.Equal([1, 101, 2], Probe.Order("solo-wait"));
    }

    [Fact]
    public async Task WaitFor_LongerThanTheThreshold_SuspendsReleasingTheSlotAndResumesAheadOfNewWork()
    {
        Probe.Reset("solo-wait");
        var waiter = await _tasks.For<SoloWaitTask>().TriggerAsync(new SoloWaitPayload(1, Wait: TimeSpan.FromSeconds(2)));
        await Eventually.Poll(() => _tasks.Runs.RetrieveAsync(waiter.Id), r => r.Status == RunStatus.Waiting, s_timeout, "the run to suspend");

        // While it waits its slot is free: these start, and the last two queue behind the first.
        var holder = await _tasks.For<SoloWaitTask>().TriggerAsync(new SoloWaitPayload(2, Hold: TimeSpan.FromSeconds(3)));
        var later = new[]
        {
            await _tasks.For<SoloWaitTask>().TriggerAsync(new SoloWaitPayload(3)),
            await _tasks.For<SoloWaitTask>().TriggerAsync(new SoloWaitPayload(4)),
        };
        // The holder's request for a slot reaches the queue a moment after its trigger returns: look once it runs.
        await Eventually.Poll(() => _tasks.Runs.RetrieveAsync(holder.Id), r => r.Status == RunStatus.Executing, s_timeout, "the holder to start");
        var queued = await Task.WhenAll(later.Select(h => _tasks.Runs.RetrieveAsync(h.Id)));
        await Task.WhenAll(new[] { waiter, holder }.Concat(later).Select(h => _tasks.Runs.PollAsync(h.Id))).Within(s_timeout, "every run");

        Assert.All(queued, r => Assert.Equal(RunStatus.Queued, r.Status));

        // Resumed ahead of 3 and 4, which were queued before it woke.
        Assert.Equal([1, 2, 101, 3, 4], Probe.Order("solo-wait"));
    }

    [Fact]
    public async Task WaitUntil_InThePast_ReturnsAtOnceOrThrowsWhenAsked()
    {
        var past = DateTimeOffset.UtcNow.AddMinutes(-1);
        var lenient = await _tasks.For<WaitUntilTask>().TriggerAsync(new UntilPayload(past, ThrowIfInThePast: false));
        var strict = await _tasks.For<WaitUntilTask>().TriggerAsync(new UntilPayload(past, ThrowIfInThePast: true), new TriggerOptions { MaxAttempts = 1 });

        var ok = await _tasks.Runs.PollAsync(lenient.Id).Within(s_timeout, "the lenient run");
        var failed = await _tasks.Runs.PollAsync(strict.Id).Within(s_timeout, "the strict run");

        Assert.Equal(RunStatus.Completed, ok.Status);
        Assert.Equal(RunStatus.Failed, failed.Status);
        Assert.Equal(typeof(InvalidRequestException).FullName, failed.Error!.Type);
    }

    [Fact]
    public async Task WaitUntil_AMomentPastTheThreshold_WaitsUntilThatMoment()
    {
        var until = DateTimeOffset.UtcNow.AddSeconds(2);
        var handle = await _tasks.For<WaitUntilTask>().TriggerAsync(new UntilPayload(until, ThrowIfInThePast: true));

        var run = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the run");

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.True(run.FinishedAt >= until);
    }
}
