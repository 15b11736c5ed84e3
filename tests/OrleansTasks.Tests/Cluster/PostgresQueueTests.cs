using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Cluster;

/// <summary>
/// Queue rules under load with two silo processes on one PostgreSQL database: limits per key, across keys and across
/// the environment never exceeded (peaks taken from the attempts' own records), priority order, TTL expiry,
/// idempotency under concurrent triggers and the rate limit.
/// </summary>
[Trait("Category", "Slow")]
[Trait("Category", "Postgres")]
public sealed class PostgresQueueTests(ITestOutputHelper output)
{
    private const int EnvironmentLimit = 6;
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task TwoSiloProcesses_KeepEveryLimit_AndEveryTriggerOption()
    {
        await using var cluster = await PostgresCluster.StartAsync(silos: 2, new Dictionary<string, string>
        {
            ["OrleansTasks__EnvironmentConcurrencyLimit"] = EnvironmentLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        var tasks = cluster.Tasks;

        await LimitsHoldAsync(cluster, tasks);
        await PriorityOrdersAsync(tasks);
        await TtlExpiresAsync(tasks);
        await IdempotencyHoldsAsync(tasks);
        await RateLimitHoldsAsync(tasks);
        await PauseAndDelaySurviveRestartsAsync(cluster);
    }

    /// <summary>A paused queue stays paused, and a delayed run still starts when due, after every silo is replaced.</summary>
    private static async Task PauseAndDelaySurviveRestartsAsync(PostgresCluster cluster)
    {
        await cluster.Tasks.Queues.PauseAsync("pool");
        await cluster.Tasks.Queues.OverrideConcurrencyLimitAsync("ordered", 4);
        var delayed = await cluster.Tasks.For<EchoTask>().TriggerAsync(new EchoPayload(42), new TriggerOptions { Delay = TimeSpan.FromSeconds(4) });
        Assert.Equal(RunStatus.Delayed, (await cluster.Tasks.Runs.RetrieveAsync(delayed.Id)).Status);

        cluster.Silos[0].Kill();
        cluster.Silos[1].Kill();
        await cluster.StartSiloAsync();

        var run = await Eventually.Poll(() => cluster.Tasks.Runs.RetrieveAsync(delayed.Id), r => r.IsFinal, s_timeout, "the delayed run after the restart");
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.True(run.StartedAt >= run.CreatedAt + TimeSpan.FromSeconds(4));
        var pool = await cluster.Tasks.Queues.RetrieveAsync("pool");
        Assert.True(pool.Paused, "the pause was lost with the silos");
        Assert.Equal(4, (await cluster.Tasks.Queues.RetrieveAsync("ordered")).ConcurrencyLimit);
        Assert.False((await cluster.Tasks.Queues.ResumeAsync("pool")).Paused);
    }

    /// <summary>Tenants (2 per key, 5 across keys), the pool (2) and the ordered queue (1) at once: 8 by their own limits, 6 by the environment's.</summary>
    private async Task LimitsHoldAsync(PostgresCluster cluster, ITaskClient tasks)
    {
        var key = Guid.NewGuid().ToString("N");
        var hold = TimeSpan.FromMilliseconds(150);
        var handles = await Task.WhenAll(Enumerable.Range(0, 60).Select(i => (i % 4) switch
        {
            0 or 1 => tasks.For<TenantTask>().TriggerAsync(new TenantPayload(key, $"t{i % 3}", hold, i), new TriggerOptions { ConcurrencyKey = $"t{i % 3}" }),
            2 => tasks.For<PoolTaskA>().TriggerAsync(new PoolPayload(key, hold, i)),
            _ => tasks.For<OrderedTask>().TriggerAsync(new OrderedPayload(key, i, hold)),
        }));
        var runs = await Task.WhenAll(handles.Select(h => tasks.Runs.PollAsync(h.Id))).Within(s_timeout, "the limited runs");

        Assert.All(runs, r => Assert.Equal(RunStatus.Completed, r.Status));
        var tenants = runs.Where(r => r.Queue == "tenants").ToList();
        var perKey = tenants.GroupBy(r => r.ConcurrencyKey).Max(RunTimeline.MaxOverlap);
        var acrossKeys = RunTimeline.MaxOverlap(tenants);
        var overall = RunTimeline.MaxOverlap(runs);
        output.WriteLine($"peaks: per key {perKey} (limit 2), across keys {acrossKeys} (cap 5), environment {overall} (limit {EnvironmentLimit})");
        Assert.True(perKey <= 2, $"a tenant ran {perKey} at once");
        Assert.True(acrossKeys <= 5, $"the tenants ran {acrossKeys} at once");
        Assert.True(overall <= EnvironmentLimit, $"{overall} runs executed at once");
        Assert.True(overall >= 4, $"only {overall} ran at once: the limits were not exercised");
        Assert.Contains(runs, r => cluster.Silos[0].Is(r.Attempts[0].Silo));
        Assert.Contains(runs, r => cluster.Silos[1].Is(r.Attempts[0].Silo));
    }

    private static async Task PriorityOrdersAsync(ITaskClient tasks)
    {
        var key = Guid.NewGuid().ToString("N");
        var blocker = await tasks.For<OrderedTask>().TriggerAsync(new OrderedPayload(key, 0, TimeSpan.FromSeconds(1)));
        await Eventually.Poll(() => tasks.Runs.RetrieveAsync(blocker.Id), r => r.Status == RunStatus.Executing, s_timeout, "the blocker to start");
        int?[] priorities = [null, 5, null, 60, 5];
        var handles = new List<RunHandle>();
        for (var i = 0; i < priorities.Length; i++)
        {
            handles.Add(await tasks.For<OrderedTask>().TriggerAsync(new OrderedPayload(key, i + 1), new TriggerOptions { Priority = priorities[i] }));
        }

        var runs = await Task.WhenAll(handles.Select(h => tasks.Runs.PollAsync(h.Id))).Within(s_timeout, "the prioritised runs");
        var order = runs.OrderBy(r => r.Attempts[0].StartedAt).Select(r => r.GetOutput<int>()).ToList();
        Assert.Equal([4, 2, 5, 1, 3], order);
    }

    private static async Task TtlExpiresAsync(ITaskClient tasks)
    {
        var expiring = await tasks.For<PausedTask>().TriggerAsync(new EmptyPayload(), new TriggerOptions { Ttl = TimeSpan.FromSeconds(1) });
        var started = await tasks.For<EchoTask>().TriggerAsync(new EchoPayload(1), new TriggerOptions { Ttl = TimeSpan.FromSeconds(30) });

        var expired = await tasks.Runs.PollAsync(expiring.Id).Within(s_timeout, "the run to expire");
        Assert.Equal(RunStatus.Expired, expired.Status);
        Assert.Equal(TaskRunErrorCodes.Expired, expired.Error!.Code);
        Assert.Equal(RunStatus.Completed, (await tasks.Runs.PollAsync(started.Id).Within(s_timeout, "the run within its TTL")).Status);
    }

    private static async Task IdempotencyHoldsAsync(ITaskClient tasks)
    {
        var key = Guid.NewGuid().ToString("N");
        var handles = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ =>
            tasks.For<CountingTask>().TriggerAsync(new KeyPayload(key), new TriggerOptions { IdempotencyKey = key })));

        var id = Assert.Single(handles.Select(h => h.Id).Distinct());
        Assert.Equal(RunStatus.Completed, (await tasks.Runs.PollAsync(id).Within(s_timeout, "the one keyed run")).Status);
    }

    private static async Task RateLimitHoldsAsync(ITaskClient tasks)
    {
        var key = Guid.NewGuid().ToString("N");
        var handles = await Task.WhenAll(Enumerable.Range(0, 9).Select(i => tasks.For<RatedTask>().TriggerAsync(new KeyPayload($"{key}-{i}"))));
        var runs = await Task.WhenAll(handles.Select(h => tasks.Runs.PollAsync(h.Id))).Within(s_timeout, "the rated runs");

        var starts = runs.Select(r => r.Attempts[0].DequeuedAt!.Value).Order().ToList();
        for (var i = 0; i < starts.Count; i++)
        {
            var inWindow = starts.Count(s => s >= starts[i] && s < starts[i] + TimeSpan.FromSeconds(1));
            Assert.True(inWindow <= 3, $"{inWindow} runs started within a second of {starts[i]:O}");
        }

        Assert.True(starts[^1] - starts[0] >= TimeSpan.FromSeconds(2), "nine runs at three a second take at least two seconds");
    }
}
