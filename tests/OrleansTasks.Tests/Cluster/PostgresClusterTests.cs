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
        await using var database = await PostgresDatabase.CreateAsync();
        var serviceId = NewServiceId();
        var first = await SiloProcess.StartAsync(database.ConnectionString, serviceId);
        await using var client = await PostgresClusterClient.ConnectAsync(database.ConnectionString, serviceId);
        var completed = await client.Tasks.TriggerAsync<EchoTask>(new EchoPayload(11, "before the restart"));
        await client.Tasks.Runs.PollAsync(completed.Id).Within(s_timeout, "the echo run");
        var retrying = await client.Tasks.TriggerAsync<SlowRetryTask>(new SlowRetryPayload());
        await Eventually.Poll(
            () => client.Tasks.Runs.RetrieveAsync(retrying.Id),
            r => r.Status == RunStatus.Queued && r.Attempts.Count == 1,
            s_timeout,
            "the first attempt to fail and the retry to be scheduled");

        first.Kill();
        await using var second = await SiloProcess.StartAsync(database.ConnectionString, serviceId);

        var retried = await Eventually.Poll(
            () => client.Tasks.Runs.RetrieveAsync(retrying.Id), r => r.IsFinal, s_timeout, $"the retry to happen after the restart{Environment.NewLine}{second.Output}");
        Assert.Equal(RunStatus.Completed, retried.Status);
        Assert.Equal(2, retried.Attempts.Count);
        Assert.True(first.Is(retried.Attempts[0].Silo));
        Assert.True(second.Is(retried.Attempts[1].Silo));
        Assert.True(retried.Attempts[1].StartedAt - retried.Attempts[0].EndedAt!.Value >= TimeSpan.FromSeconds(8));
        var echo = await client.Tasks.Runs.RetrieveAsync(completed.Id);
        Assert.Equal(RunStatus.Completed, echo.Status);
        Assert.Equal("before the restart", echo.GetOutput<EchoOutput>()!.Text);
    }

    [Fact]
    public async Task SuspendedRetry_LongerThanTheSuspendThreshold_SurvivesAGracefulStopAndAColdStart()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var serviceId = NewServiceId();
        var settings = new Dictionary<string, string> { ["OrleansTasks__SuspendThreshold"] = "00:00:02" };
        var first = await SiloProcess.StartAsync(database.ConnectionString, serviceId, settings);
        await using var client = await PostgresClusterClient.ConnectAsync(database.ConnectionString, serviceId);
        var retrying = await client.Tasks.TriggerAsync<SlowRetryTask>(new SlowRetryPayload());
        await Eventually.Poll(
            () => client.Tasks.Runs.RetrieveAsync(retrying.Id),
            r => r.Status == RunStatus.Queued && r.Attempts.Count == 1,
            s_timeout,
            "the retry to be scheduled");

        first.Kill();
        await using var second = await SiloProcess.StartAsync(database.ConnectionString, serviceId, settings);

        var retried = await Eventually.Poll(() => client.Tasks.Runs.RetrieveAsync(retrying.Id), r => r.IsFinal, s_timeout, "the suspended retry to be woken");
        Assert.Equal(RunStatus.Completed, retried.Status);
        Assert.True(second.Is(retried.Attempts[1].Silo));
    }

    [Fact]
    public async Task TwoSilosStartingTogether_ShareOneDatabaseAndOneQueueLimit()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var serviceId = NewServiceId();
        var silos = await Task.WhenAll(
            SiloProcess.StartAsync(database.ConnectionString, serviceId),
            SiloProcess.StartAsync(database.ConnectionString, serviceId));
        await using var first = silos[0];
        await using var second = silos[1];
        await using var client = await PostgresClusterClient.ConnectAsync(database.ConnectionString, serviceId);

        var handles = await Task.WhenAll(Enumerable.Range(0, 30).Select(i =>
            client.Tasks.TriggerAsync<LimitedTask>(new HoldPayload(TimeSpan.FromMilliseconds(300), i))));
        var runs = await Task.WhenAll(handles.Select(h => client.Tasks.Runs.PollAsync(h.Id))).Within(s_timeout, "30 limited runs");

        Assert.All(runs, r => Assert.Equal(RunStatus.Completed, r.Status));
        var overlap = RunTimeline.MaxOverlap(runs);
        Assert.True(overlap <= LimitedTask.Limit, $"{overlap} runs of a queue limited to {LimitedTask.Limit} overlapped");
        Assert.Equal(LimitedTask.Limit, overlap);
        Assert.Contains(runs, r => first.Is(r.Attempts[0].Silo));
        Assert.Contains(runs, r => second.Is(r.Attempts[0].Silo));
        Assert.Equal(30, await database.CountRunsAsync());
    }

    [Fact]
    public async Task SiloKilledDuringAnAttempt_AttemptCountsAsCrashedAndTheRunRetriesOnTheOtherSilo()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var serviceId = NewServiceId();
        var silos = await Task.WhenAll(
            SiloProcess.StartAsync(database.ConnectionString, serviceId),
            SiloProcess.StartAsync(database.ConnectionString, serviceId));
        await using var first = silos[0];
        await using var second = silos[1];
        await using var client = await PostgresClusterClient.ConnectAsync(database.ConnectionString, serviceId);
        var handle = await client.Tasks.TriggerAsync<SlowFirstAttemptTask>(new SleepPayload(TimeSpan.FromMinutes(10)));
        var executing = await Eventually.Poll(
            () => client.Tasks.Runs.RetrieveAsync(handle.Id),
            r => r.Status == RunStatus.Executing && r.Attempts.Count == 1,
            s_timeout,
            "the first attempt to start");
        var (victim, survivor) = first.Is(executing.Attempts[0].Silo) ? (first, second) : (second, first);

        victim.Kill();

        var run = await Eventually.Poll(
            () => client.Tasks.Runs.RetrieveAsync(handle.Id), r => r.IsFinal, s_timeout, $"the run to finish on the surviving silo{Environment.NewLine}{survivor.Output}");
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(2, run.Attempts.Count);
        Assert.Equal(AttemptStatus.Crashed, run.Attempts[0].Status);
        Assert.Equal(TaskRunErrorCodes.Crashed, run.Attempts[0].Error!.Code);
        Assert.True(survivor.Is(run.Attempts[1].Silo));
        Assert.Equal("done on attempt 2", run.GetOutput<string>());
    }

    private static string NewServiceId() => "test-" + Guid.NewGuid().ToString("N")[..8];
}
