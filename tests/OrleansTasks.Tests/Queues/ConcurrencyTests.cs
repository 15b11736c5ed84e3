using Orleans.Runtime;
using OrleansTasks.Queues;
using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Queues;

[Collection(TwoSiloClusterCollection.Name)]
public sealed class ConcurrencyTests(TwoSiloClusterFixture fixture)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private readonly ITaskClient _tasks = fixture.Tasks;

    [Fact]
    public async Task LimitedQueue_UnderLoadOnTwoSilos_NeverRunsMoreThanItsLimit()
    {
        Probe.Reset("limited");
        var handles = await Task.WhenAll(Enumerable.Range(0, 60).Select(i =>
            _tasks.For<LimitedTask>().TriggerAsync(new HoldPayload(TimeSpan.FromMilliseconds(40), i))));

        var runs = await Task.WhenAll(handles.Select(h => _tasks.Runs.PollAsync(h.Id))).Within(s_timeout, "60 limited runs");

        Assert.All(runs, r => Assert.Equal(RunStatus.Completed, r.Status));
        Assert.Equal(LimitedTask.Limit, Probe.Peak("limited"));
        Assert.True(RunTimeline.MaxOverlap(runs) <= LimitedTask.Limit, $"the attempts' recorded times overlap {RunTimeline.MaxOverlap(runs)} deep");
        Assert.Equal(2, runs.Select(r => r.Attempts[0].Silo).Distinct().Count());
        var queue = await fixture.Grains.GetGrain<IQueueGrain>("limited").GetInfoAsync();
        Assert.Equal(LimitedTask.Limit, queue.ConcurrencyLimit);
        Assert.Equal((0, 0), (queue.Running, queue.Queued));
        Assert.Equal(LimitedTask.Limit, queue.PeakRunning);
    }

    [Fact]
    public Task LimitedQueue_ManyRunsDelayedToOneMoment_Suspended_NoneStartsBefore_TheLimitHolds() =>
        DelayedToOneMoment.RunAsync(_tasks, fixture.Grains);

    [Fact]
    public async Task UnlimitedQueue_IsBoundOnlyByTheEnvironmentLimit()
    {
        Probe.Reset("unlimited");
        var handles = await Task.WhenAll(Enumerable.Range(0, 30).Select(i =>
            _tasks.For<UnlimitedTask>().TriggerAsync(new HoldPayload(TimeSpan.FromMilliseconds(500), i))));

        await Task.WhenAll(handles.Select(h => _tasks.Runs.PollAsync(h.Id))).Within(s_timeout, "30 unlimited runs");

        Assert.True(Probe.Peak("unlimited") > LimitedTask.Limit, $"only {Probe.Peak("unlimited")} ran at once");
        var queue = await fixture.Grains.GetGrain<IQueueGrain>("unlimited").GetInfoAsync();
        Assert.Null(queue.ConcurrencyLimit);
        Assert.Equal(Probe.Peak("unlimited"), queue.PeakRunning);
    }
}

[Collection(ClusterCollection.Name)]
public sealed class QueueOrderTests(ClusterFixture fixture)
{
    [Fact]
    public async Task LimitedQueue_StartsRunsInQueueTimeOrder()
    {
        Probe.Reset("one-at-a-time");
        var handles = new List<RunHandle>();
        for (var i = 0; i < 12; i++)
        {
            handles.Add(await fixture.Tasks.For<OneAtATimeTask>().TriggerAsync(new HoldPayload(TimeSpan.FromMilliseconds(20), i)));
        }

        await Task.WhenAll(handles.Select(h => fixture.Tasks.Runs.PollAsync(h.Id))).Within(TimeSpan.FromSeconds(30), "the runs");

        // The queue serves by queue time (in microseconds), then by arrival at the queue: the runs start in the order
        // of their queue time.
        var runs = await Task.WhenAll(handles.Select(h => fixture.Tasks.Runs.RetrieveAsync(h.Id)));
        var started = Probe.Order("one-at-a-time");
        Assert.Equal(Enumerable.Range(0, 12), started.Order());
        var queueTimes = started.Select(i => runs[i].CreatedAt).ToList();
        Assert.Equal(queueTimes.Order(), queueTimes);
        Assert.Equal(1, Probe.Peak("one-at-a-time"));
    }
}

/// <summary>
/// Runs delayed to one moment on a limited queue. Held in memory (a delay under the suspend threshold), each books its
/// slot ahead and the queue grants them at the moment; suspended (a longer delay), each is woken and queues then.
/// </summary>
[Collection(LiveWaitCollection.Name)]
public sealed class DelayedToOneMoment(LiveWaitFixture fixture)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public Task LimitedQueue_ManyRunsDelayedToOneMoment_HeldAndBookedAhead_NoneStartsBefore_TheLimitHolds() =>
        RunAsync(fixture.Tasks, fixture.Grains);

    /// <summary>
    /// 30 runs of 300 ms, 3 at a time, delayed to one moment 5 s away, and a 31st cancelled before it: none starts
    /// before the moment, the limit holds, the queue ends empty, and the cancelled one never starts. The 3 s they take
    /// outlast the 2 s backstop, so the later ones also take the ordinary way into the queue.
    /// </summary>
    /// <remarks>The limit is checked on the runs' own recorded times and the queue's count, not the shared probe: other collections run LimitedTask at the same time.</remarks>
    internal static async Task RunAsync(ITaskClient tasks, IGrainFactory grains)
    {
        var moment = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.AddSeconds(5).ToUnixTimeMilliseconds());
        var handles = await Task.WhenAll(Enumerable.Range(0, 31).Select(i =>
            tasks.For<LimitedTask>().TriggerAsync(new HoldPayload(TimeSpan.FromMilliseconds(300), i), new TriggerOptions { DelayUntil = moment })));
        await tasks.Runs.CancelAsync(handles[^1].Id);

        var runs = await Task.WhenAll(handles.Select(h => tasks.Runs.PollAsync(h.Id))).Within(s_timeout, "31 delayed runs");

        Assert.Equal(RunStatus.Canceled, runs[^1].Status);
        Assert.Empty(runs[^1].Attempts);
        Assert.All(runs[..^1], r => Assert.Equal(RunStatus.Completed, r.Status));
        Assert.All(runs[..^1], r => Assert.True(r.StartedAt >= moment, $"{r.Id} started {r.StartedAt:O}, before its moment {moment:O}"));
        Assert.True(RunTimeline.MaxOverlap(runs[..^1]) <= LimitedTask.Limit, $"the attempts' recorded times overlap {RunTimeline.MaxOverlap(runs[..^1])} deep");
        var queue = await grains.GetGrain<IQueueGrain>("limited").GetInfoAsync();
        Assert.Equal((0, 0), (queue.Running, queue.Queued));
        Assert.True(queue.PeakRunning <= LimitedTask.Limit, $"the queue ran {queue.PeakRunning} at once");
    }
}
