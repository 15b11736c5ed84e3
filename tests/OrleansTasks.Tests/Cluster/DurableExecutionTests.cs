using Npgsql;
using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Cluster;

/// <summary>
/// A silo is SIGKILLed in the middle of a run; the run goes on on the other silo by replay, and ends right. Steps
/// append to a file both silo processes share, so "each step ran exactly once" is counted across processes.
/// </summary>
[Trait("Category", "Slow")]
[Trait("Category", "Postgres")]
public sealed class DurableExecutionTests : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(90);
    private readonly string _steps = Path.Combine(Path.GetTempPath(), $"orleanstasks-steps-{Guid.NewGuid():N}.log");

    [Fact]
    public async Task SiloKilledDuringWaitFor_RunContinuesOnTheOtherSiloAndEachStepRunsOnce()
    {
        await using var cluster = await PostgresCluster.StartAsync(silos: 2);
        var handle = await cluster.Tasks.For<StepWaitStepTask>().TriggerAsync(new StepWaitPayload("wait", TimeSpan.FromSeconds(8), File: _steps));
        var waiting = await Eventually.Poll(
            () => cluster.Tasks.Runs.RetrieveAsync(handle.Id),
            r => r.Journal.Any(e => e is { Kind: "Wait", Completed: false }),
            s_timeout,
            "the run to be in its wait");

        KillExecutingSilo(cluster, waiting, out var survivor);

        var run = await WaitForEndAsync(cluster, handle);
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Single(run.Attempts);
        AssertEachStepRanOnce(run, survivor);
    }

    [Fact]
    public async Task SiloKilledRightAfterAStepCompletes_TheStepIsNotRunAgain()
    {
        await using var cluster = await PostgresCluster.StartAsync(silos: 2);
        var handle = await cluster.Tasks.For<StepWaitStepTask>().TriggerAsync(
            new StepWaitPayload("step", TimeSpan.FromMilliseconds(100), PauseAfterFirstStep: TimeSpan.FromSeconds(4), File: _steps));
        var stepped = await Eventually.Poll(
            () => cluster.Tasks.Runs.RetrieveAsync(handle.Id),
            r => r.Journal.Any(e => e is { Kind: "Step", Completed: true }),
            s_timeout,
            "the first step to be recorded");

        KillExecutingSilo(cluster, stepped, out var survivor);

        var run = await WaitForEndAsync(cluster, handle);
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Single(run.Attempts);
        AssertEachStepRanOnce(run, survivor);
    }

    [Fact]
    public async Task SiloStoppedGracefullyDuringAStep_TheStepIsRecordedAndNotRunAgain()
    {
        // No drain time: the attempt is handed over at once (GracefulDrainTests covers the drain).
        await using var cluster = await PostgresCluster.StartAsync(silos: 2, new Dictionary<string, string> { ["OrleansTasks__DrainTimeout"] = "00:00:00" });
        var handle = await cluster.Tasks.For<StepWaitStepTask>().TriggerAsync(
            new StepWaitPayload("graceful", TimeSpan.FromMilliseconds(100), File: _steps, StepDuration: TimeSpan.FromSeconds(3)));
        await Eventually.Poll(
            () => Task.FromResult(File.Exists(_steps) ? File.ReadAllLines(_steps) : []),
            lines => lines.Contains("before-started"),
            s_timeout,
            "the first step to start");
        var executing = await cluster.Tasks.Runs.RetrieveAsync(handle.Id);
        var victim = cluster.Silos.Single(s => s.Is(executing.Attempts[^1].Silo));
        var survivor = cluster.Silos.Single(s => s != victim);

        await victim.StopAsync();

        var run = await WaitForEndAsync(cluster, handle);
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Single(run.Attempts);
        Assert.Equal(["before-started", "before", "after"], File.ReadAllLines(_steps));
        Assert.StartsWith($"before@{victim.Pid}", run.GetOutput<StepWaitOutput>()!.Before, StringComparison.Ordinal);
        Assert.StartsWith($"after@{survivor.Pid}", run.GetOutput<StepWaitOutput>()!.After, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SiloKilledDuringTriggerAndWait_ParentFinishesRightAndTheChildIsTriggeredOnce()
    {
        await using var cluster = await PostgresCluster.StartAsync(silos: 2);
        var handle = await cluster.Tasks.For<ParentTask>().TriggerAsync(new ParentPayload("single", 7, ChildHold: TimeSpan.FromSeconds(5)));
        var waiting = await Eventually.Poll(
            () => cluster.Tasks.Runs.RetrieveAsync(handle.Id),
            r => r.Journal.Any(e => e is { Kind: "TriggerAndWait", Completed: false }),
            s_timeout,
            "the parent to wait for its child");

        KillExecutingSilo(cluster, waiting, out _);

        var run = await WaitForEndAsync(cluster, handle);
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal([14], run.GetOutput<ParentOutput>()!.Values);
        Assert.Equal(1, await CountChildrenAsync(cluster, handle.Id));
        var child = await cluster.Tasks.Runs.RetrieveAsync(run.GetOutput<ParentOutput>()!.Notes[0]);
        Assert.Equal(RunStatus.Completed, child.Status);
        Assert.Equal(handle.Id, child.ParentRunId);
    }

    public void Dispose()
    {
        if (File.Exists(_steps))
        {
            File.Delete(_steps);
        }
    }

    private static void KillExecutingSilo(PostgresCluster cluster, TaskRun run, out SiloProcess survivor)
    {
        var victim = cluster.Silos.Single(s => s.Is(run.Attempts[^1].Silo));
        survivor = cluster.Silos.Single(s => s != victim);
        victim.Kill();
    }

    private static Task<TaskRun> WaitForEndAsync(PostgresCluster cluster, RunHandle handle) =>
        Eventually.Poll(() => cluster.Tasks.Runs.RetrieveAsync(handle.Id), r => r.IsFinal, s_timeout, $"the run to end on the surviving silo{Environment.NewLine}{cluster.Output}");

    private void AssertEachStepRanOnce(TaskRun run, SiloProcess survivor)
    {
        Assert.Equal(["before", "after"], File.ReadAllLines(_steps));
        var output = run.GetOutput<StepWaitOutput>()!;
        Assert.NotEqual(output.Before[(output.Before.IndexOf('@') + 1)..], output.After[(output.After.IndexOf('@') + 1)..]);
        Assert.Contains(run.Journal, e => e.Kind == "Step");
        Assert.True(survivor.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture) == output.After[(output.After.IndexOf('@') + 1)..],
            $"the second step ran in {output.After}, not on the surviving silo (pid {survivor.Pid})");
    }

    private static async Task<long> CountChildrenAsync(PostgresCluster cluster, string parentRunId)
    {
        await using var connection = new NpgsqlConnection(cluster.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM runs WHERE parent_run_id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = parentRunId });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
