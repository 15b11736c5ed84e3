using OrleansTasks.Queues;
using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Queues;

[Collection(TwoSiloClusterCollection.Name)]
public sealed class QueueLimitTests(TwoSiloClusterFixture fixture)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private readonly ITaskClient _tasks = fixture.Tasks;

    [Fact]
    public async Task SharedQueue_TwoTasksNamingIt_ShareOneLimit()
    {
        var key = Guid.NewGuid().ToString("N");
        var handles = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => i % 2 == 0
            ? _tasks.For<PoolTaskA>().TriggerAsync(new PoolPayload(key, TimeSpan.FromMilliseconds(60), i))
            : _tasks.For<PoolTaskB>().TriggerAsync(new PoolPayload(key, TimeSpan.FromMilliseconds(60), i))));

        var runs = await Task.WhenAll(handles.Select(h => _tasks.Runs.PollAsync(h.Id))).Within(s_timeout, "the pool runs");

        Assert.All(runs, r => Assert.Equal("pool", r.Queue));
        Assert.All(runs, r => Assert.Equal(RunStatus.Completed, r.Status));
        Assert.True(Probe.Peak($"{key}:pool") == 2, $"the pool ran {Probe.Peak($"{key}:pool")} at once; its limit is 2");
        Assert.True(RunTimeline.MaxOverlap(runs) <= 2, $"the attempts overlap {RunTimeline.MaxOverlap(runs)} deep");
    }

    [Fact]
    public async Task TriggerNamingAQueue_RunsInIt_AndAnUndefinedQueueIsRefused()
    {
        var handle = await _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(1), new TriggerOptions { Queue = "pool" });
        var run = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the run on the pool queue");
        Assert.Equal("pool", run.Queue);
        Assert.Equal("pool", run.GetOutput<EchoOutput>()!.Queue);

        var error = await Assert.ThrowsAsync<InvalidTriggerException>(() =>
            _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(2), new TriggerOptions { Queue = "no-such-queue" }));
        Assert.Contains("'no-such-queue' is not defined", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConcurrencyKeys_EachTenantHasTheFullLimit_AndAllTogetherAreCappedByTheTotal()
    {
        var key = Guid.NewGuid().ToString("N");
        string[] tenants = ["acme", "globex", "initech", "umbrella"];
        var handles = await Task.WhenAll(Enumerable.Range(0, 32).Select(i =>
        {
            var tenant = tenants[i % tenants.Length];
            return _tasks.For<TenantTask>().TriggerAsync(
                new TenantPayload(key, tenant, TimeSpan.FromMilliseconds(80), i),
                new TriggerOptions { ConcurrencyKey = tenant });
        }));

        var runs = await Task.WhenAll(handles.Select(h => _tasks.Runs.PollAsync(h.Id))).Within(s_timeout, "the tenant runs");

        Assert.All(runs, r => Assert.Equal(RunStatus.Completed, r.Status));
        foreach (var tenant in tenants)
        {
            Assert.Equal(2, Probe.Peak($"{key}:{tenant}"));
            Assert.True(RunTimeline.MaxOverlap(runs.Where(r => r.ConcurrencyKey == tenant)) <= 2, $"tenant {tenant} ran more than 2 at once");
        }

        // 4 tenants × 2 would be 8: the cap across keys holds it to 5.
        Assert.Equal(5, Probe.Peak($"{key}:all"));
        Assert.True(RunTimeline.MaxOverlap(runs) <= 5, $"the tenants together ran {RunTimeline.MaxOverlap(runs)} at once");
        var queue = await _tasks.Queues.RetrieveAsync("tenants");
        Assert.True(queue.PeakRunningPerKey <= 2 && queue.PeakRunning <= 5, $"the queue saw {queue.PeakRunningPerKey} per key, {queue.PeakRunning} in all");
    }

    [Fact]
    public async Task RateLimit_NoMoreStartsPerWindowThanItsLimit_PerKey()
    {
        var key = Guid.NewGuid().ToString("N");
        var handles = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            _tasks.For<RatedTask>().TriggerAsync(new KeyPayload($"{key}-{i}"), new TriggerOptions { ConcurrencyKey = i % 2 == 0 ? "even" : "odd" })));

        var runs = await Task.WhenAll(handles.Select(h => _tasks.Runs.PollAsync(h.Id))).Within(s_timeout, "the rated runs");

        Assert.All(runs, r => Assert.Equal(RunStatus.Completed, r.Status));
        foreach (var group in runs.GroupBy(r => r.ConcurrencyKey))
        {
            // The queue counts a start when it grants the slot (DequeuedAt, by its clock); the attempt starts when the
            // grant reaches the run, which may be later by however long delivery takes.
            var starts = group.Select(r => r.Attempts[0].DequeuedAt!.Value).Order().ToList();
            var window = TestQueues.Rated.RateLimit!.Period;
            for (var i = 0; i < starts.Count; i++)
            {
                var inWindow = starts.Count(s => s >= starts[i] && s < starts[i] + window);
                Assert.True(inWindow <= 3, $"key {group.Key}: {inWindow} runs started within a second of {starts[i]:O}");
            }

            // Six runs at three a second cannot all start within the first window.
            Assert.True(starts[^1] - starts[0] >= TimeSpan.FromSeconds(1), $"key {group.Key}: all six started within {starts[^1] - starts[0]}");
        }
    }

    [Fact]
    public async Task Priority_RunsWithMoreCreditStartFirst_ThenInTriggerOrder()
    {
        var key = Guid.NewGuid().ToString("N");

        // The first run holds the only slot while the others queue behind it.
        var blocker = await _tasks.For<OrderedTask>().TriggerAsync(new OrderedPayload(key, 0, TimeSpan.FromMilliseconds(800)));
        await Eventually.Poll(() => _tasks.Runs.RetrieveAsync(blocker.Id), r => r.Status == RunStatus.Executing, s_timeout, "the blocker to start");
        int?[] priorities = [null, 5, null, 60, 5];
        var handles = new List<RunHandle>();
        for (var i = 0; i < priorities.Length; i++)
        {
            handles.Add(await _tasks.For<OrderedTask>().TriggerAsync(new OrderedPayload(key, i + 1), new TriggerOptions { Priority = priorities[i] }));
        }

        await Task.WhenAll(handles.Append(blocker).Select(h => _tasks.Runs.PollAsync(h.Id))).Within(s_timeout, "the ordered runs");

        // 60 s of credit first, then the two with 5 s in trigger order, then the rest in trigger order.
        Assert.Equal([0, 4, 2, 5, 1, 3], Probe.Order(key));
    }

    [Fact]
    public async Task QueuesApi_ListsRetrievesPausesResumesAndOverridesTheLimit()
    {
        var queues = await _tasks.Queues.ListAsync();
        Assert.Contains(queues, q => q.Name == "rated" && q.RateLimit == TestQueues.Rated.RateLimit);
        Assert.Contains(queues, q => q is { Name: "tenants", ConcurrencyLimit: 2, TotalConcurrencyLimit: 5 });
        Assert.Contains(queues, q => q.Name == "echo" && q.ConcurrencyLimit is null);
        await Assert.ThrowsAsync<QueueNotFoundException>(() => _tasks.Queues.RetrieveAsync("no-such-queue"));

        var paused = await _tasks.Queues.PauseAsync("ordered");
        Assert.True(paused.Paused);
        var key = Guid.NewGuid().ToString("N");
        var handle = await _tasks.For<OrderedTask>().TriggerAsync(new OrderedPayload(key, 1));
        await Eventually.Poll(() => _tasks.Queues.RetrieveAsync("ordered"), q => q.Queued >= 1, s_timeout, "the run to wait in the paused queue");
        Assert.Equal(RunStatus.Queued, (await _tasks.Runs.RetrieveAsync(handle.Id)).Status);

        var overridden = await _tasks.Queues.OverrideConcurrencyLimitAsync("ordered", 3);
        Assert.Equal((3, 1, 3), (overridden.ConcurrencyLimit!.Value, overridden.BaseConcurrencyLimit!.Value, overridden.OverriddenConcurrencyLimit!.Value));
        Assert.NotNull(overridden.OverriddenAt);
        Assert.Equal(RunStatus.Queued, (await _tasks.Runs.RetrieveAsync(handle.Id)).Status);

        var resumed = await _tasks.Queues.ResumeAsync("ordered");
        Assert.False(resumed.Paused);
        Assert.Equal(RunStatus.Completed, (await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the run after resume")).Status);

        var reset = await _tasks.Queues.ResetConcurrencyLimitAsync("ordered");
        Assert.Equal(1, reset.ConcurrencyLimit);
        Assert.Null(reset.OverriddenConcurrencyLimit);
        await Assert.ThrowsAsync<InvalidRequestException>(() => _tasks.Queues.OverrideConcurrencyLimitAsync("ordered", -1));
    }
}

[Collection(SmallEnvironmentCollection.Name)]
public sealed class EnvironmentLimitTests(SmallEnvironmentFixture fixture)
{
    [Fact]
    public async Task EnvironmentLimit_HoldsAcrossEveryQueue()
    {
        var tasks = fixture.Tasks;
        // Three queues whose own limits (5 across tenants, 2, 1) add up to more than the environment's 4.
        var key = Guid.NewGuid().ToString("N");
        var hold = TimeSpan.FromMilliseconds(60);
        var handles = await Task.WhenAll(Enumerable.Range(0, 24).Select(i => (i % 3) switch
        {
            0 => tasks.For<TenantTask>().TriggerAsync(new TenantPayload(key, $"t{i % 4}", hold, i), new TriggerOptions { ConcurrencyKey = $"t{i % 4}" }),
            1 => tasks.For<OrderedTask>().TriggerAsync(new OrderedPayload(key, i, hold)),
            _ => tasks.For<PoolTaskA>().TriggerAsync(new PoolPayload(key, hold, i)),
        }));

        var runs = await Task.WhenAll(handles.Select(h => tasks.Runs.PollAsync(h.Id))).Within(TimeSpan.FromSeconds(60), "the runs");

        Assert.All(runs, r => Assert.Equal(RunStatus.Completed, r.Status));
        var overlap = RunTimeline.MaxOverlap(runs);
        Assert.True(overlap <= SmallEnvironmentFixture.Limit, $"{overlap} runs executed at once; the environment allows {SmallEnvironmentFixture.Limit}");
        var environment = await fixture.Grains.GetGrain<IEnvironmentGrain>(0).GetInfoAsync();
        Assert.Equal(SmallEnvironmentFixture.Limit, environment.ConcurrencyLimit);
        Assert.Equal(SmallEnvironmentFixture.Limit, environment.PeakHeld);
        await Eventually.Poll(() => fixture.Grains.GetGrain<IEnvironmentGrain>(0).GetInfoAsync(), e => e.Held == 0, TimeSpan.FromSeconds(10), "every permit to come back");
    }
}
