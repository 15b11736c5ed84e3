using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Cluster;

/// <summary>Real silo processes on one PostgreSQL database: restarts, kills, and a limit shared across processes.</summary>
[Trait("Category", "Slow")]
[Trait("Category", "Postgres")]
public sealed class PostgresClusterTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task RunStateAndPendingRetry_SurviveEverySiloRestarting()
    {
        await using var cluster = await PostgresCluster.StartAsync(silos: 1);
        var first = cluster.Silos[0];
        var completed = await cluster.Tasks.For<EchoTask>().TriggerAsync(new EchoPayload(11, "before the restart"));
        await cluster.Tasks.Runs.PollAsync(completed.Id).Within(s_timeout, "the echo run");
        var retrying = await cluster.Tasks.For<SlowRetryTask>().TriggerAsync(new SlowRetryPayload());
        await WaitForRetryAsync(cluster, retrying);

        first.Kill();
        var second = await cluster.StartSiloAsync();

        var retried = await Eventually.Poll(
            () => cluster.Tasks.Runs.RetrieveAsync(retrying.Id), r => r.IsFinal, s_timeout, $"the retry to happen after the restart{Environment.NewLine}{cluster.Output}");
        Assert.Equal(RunStatus.Completed, retried.Status);
        Assert.Equal(2, retried.Attempts.Count);
        Assert.True(first.Is(retried.Attempts[0].Silo));
        Assert.True(second.Is(retried.Attempts[1].Silo));
        Assert.True(retried.Attempts[1].StartedAt - retried.Attempts[0].EndedAt!.Value >= TimeSpan.FromSeconds(8));
        var echo = await cluster.Tasks.Runs.RetrieveAsync(completed.Id);
        Assert.Equal(RunStatus.Completed, echo.Status);
        Assert.Equal("before the restart", echo.GetOutput<EchoOutput>()!.Text);
    }

    [Fact]
    public async Task SuspendedRetry_LongerThanTheSuspendThreshold_IsWokenByAColdStartedSilo()
    {
        await using var cluster = await PostgresCluster.StartAsync(silos: 1, new Dictionary<string, string> { ["OrleansTasks__SuspendThreshold"] = "00:00:02" });
        var retrying = await cluster.Tasks.For<SlowRetryTask>().TriggerAsync(new SlowRetryPayload());
        await WaitForRetryAsync(cluster, retrying);

        cluster.Silos[0].Kill();
        var second = await cluster.StartSiloAsync();

        var retried = await Eventually.Poll(() => cluster.Tasks.Runs.RetrieveAsync(retrying.Id), r => r.IsFinal, s_timeout, "the suspended retry to be woken");
        Assert.Equal(RunStatus.Completed, retried.Status);
        Assert.True(second.Is(retried.Attempts[1].Silo));
    }

    [Fact]
    public async Task TwoSilosStartingTogether_ShareOneDatabaseAndOneQueueLimit()
    {
        await using var cluster = await PostgresCluster.StartAsync(silos: 2);

        var handles = await Task.WhenAll(Enumerable.Range(0, 30).Select(i =>
            cluster.Tasks.For<LimitedTask>().TriggerAsync(new HoldPayload(TimeSpan.FromMilliseconds(300), i))));
        var runs = await Task.WhenAll(handles.Select(h => cluster.Tasks.Runs.PollAsync(h.Id))).Within(s_timeout, "30 limited runs");

        Assert.All(runs, r => Assert.Equal(RunStatus.Completed, r.Status));
        var overlap = RunTimeline.MaxOverlap(runs);
        Assert.True(overlap <= LimitedTask.Limit, $"{overlap} runs of a queue limited to {LimitedTask.Limit} overlapped");
        Assert.Equal(LimitedTask.Limit, overlap);
        Assert.Contains(runs, r => cluster.Silos[0].Is(r.Attempts[0].Silo));
        Assert.Contains(runs, r => cluster.Silos[1].Is(r.Attempts[0].Silo));
        Assert.Equal(30, await cluster.Database.CountRunsAsync());
    }

    [Fact]
    public async Task ErrorsFromASiloProcess_ReachTheClientAsTheirOwnTypes()
    {
        await using var cluster = await PostgresCluster.StartAsync(silos: 1);

        var unknown = await Assert.ThrowsAsync<UnknownTaskException>(() => cluster.Tasks.TriggerAsync("no-such-task", "{}"));
        var invalid = await Assert.ThrowsAsync<InvalidTriggerException>(() => cluster.Tasks.TriggerAsync("echo", "{nope"));
        var missing = await Assert.ThrowsAsync<RunNotFoundException>(() => cluster.Tasks.Runs.RetrieveAsync("run_missing"));

        Assert.Equal("no-such-task", unknown.TaskId);
        Assert.Equal("echo", invalid.TaskId);
        Assert.Equal("run_missing", missing.RunId);
        Assert.Equal(0, await cluster.Database.CountRunsAsync());
    }

    private static Task<TaskRun> WaitForRetryAsync(PostgresCluster cluster, RunHandle handle) =>
        Eventually.Poll(
            () => cluster.Tasks.Runs.RetrieveAsync(handle.Id),
            r => r.Status == RunStatus.Queued && r.Attempts.Count == 1,
            s_timeout,
            "the first attempt to fail and the retry to be scheduled");
}
