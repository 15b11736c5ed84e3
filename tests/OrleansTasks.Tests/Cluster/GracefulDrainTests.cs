using System.Globalization;
using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Cluster;

/// <summary>
/// SIGTERM to a silo under load, as Kubernetes stops a pod: the attempts executing on it get the drain time to
/// finish, those still running after it are handed over and resume on the other silo by replay; no attempt starts
/// on the stopping silo; no run fails, is lost, counts a failed attempt or repeats a step.
/// </summary>
[Trait("Category", "Slow")]
[Trait("Category", "Postgres")]
public sealed class GracefulDrainTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(120);
    private readonly string _folder = Directory.CreateTempSubdirectory("orleanstasks-drain-").FullName;

    [Fact]
    public async Task Sigterm_UnderLoad_AttemptsFinishWithinTheDrainOrMove_NoneFailsOrRepeatsAStep()
    {
        await using var cluster = await PostgresCluster.StartAsync(silos: 2, new Dictionary<string, string> { ["OrleansTasks__DrainTimeout"] = "00:00:04" });
        var runs = new List<(RunHandle Handle, string File)>();

        // Short runs finish within the drain; long ones (an 8 s wait in memory) are still running when it ends.
        for (var i = 0; i < 24; i++)
        {
            runs.Add(await TriggerAsync(cluster, i, i % 2 == 0 ? TimeSpan.FromMilliseconds(1500) : TimeSpan.FromSeconds(8)));
        }

        var executing = await Eventually.Poll(
            () => Task.WhenAll(runs.Select(r => cluster.Tasks.Runs.RetrieveAsync(r.Handle.Id))),
            all => all.Count(r => r.Status is RunStatus.Executing or RunStatus.Waiting) >= 12,
            s_timeout,
            "runs to be executing on both silos");
        var victim = cluster.Silos.MaxBy(s => executing.Count(r => r.Attempts.Count > 0 && s.Is(r.Attempts[^1].Silo)))!;
        var survivor = cluster.Silos.Single(s => s != victim);
        var onVictim = executing.Where(r => r.Attempts.Count > 0 && victim.Is(r.Attempts[^1].Silo) && !r.IsFinal).Select(r => r.Id).ToHashSet();
        Assert.NotEmpty(onVictim);

        var stoppedAt = DateTimeOffset.UtcNow;
        victim.Terminate();

        // The load goes on while it drains: runs triggered now start on the other silo.
        for (var i = 24; i < 34; i++)
        {
            runs.Add(await TriggerAsync(cluster, i, TimeSpan.FromMilliseconds(200)));
        }

        await victim.ExitedAsync().Within(TimeSpan.FromSeconds(60), "the stopped silo to exit");
        var drained = victim.DrainReport;
        Assert.True(drained is not null, $"the silo did not report its drain:{Environment.NewLine}{victim.Output}");
        output.WriteLine($"drain: {drained} (exited {(DateTimeOffset.UtcNow - stoppedAt).TotalSeconds:F1} s after SIGTERM)");

        var ended = await Task.WhenAll(runs.Select(r =>
            Eventually.Poll(() => cluster.Tasks.Runs.RetrieveAsync(r.Handle.Id), run => run.IsFinal, s_timeout, $"run {r.Handle.Id} to end{Environment.NewLine}{cluster.Output}")));

        Assert.All(ended, run =>
        {
            Assert.Equal(RunStatus.Completed, run.Status);
            Assert.Single(run.Attempts); // handed over, not failed: no attempt counted against the run
        });
        Assert.All(runs, r => Assert.Equal(["before", "after"], File.ReadAllLines(r.File)));

        // No attempt started on the stopping silo after SIGTERM (a second allowed for the signal to reach a busy process).
        Assert.All(ended.Where(r => r.Attempts[0].StartedAt > stoppedAt.AddSeconds(1)), run => Assert.False(victim.Is(run.Attempts[0].Silo), $"{run.Id} started on the draining silo"));

        // Short runs executing there finished there, within the drain; long ones finished on the other silo by replay.
        var victimPid = victim.Pid.ToString(CultureInfo.InvariantCulture);
        var finishedThere = ended.Where(r => onVictim.Contains(r.Id) && r.GetOutput<StepWaitOutput>()!.After.EndsWith("@" + victimPid, StringComparison.Ordinal)).ToList();
        var movedOn = ended.Where(r => onVictim.Contains(r.Id) && r.GetOutput<StepWaitOutput>()!.After.EndsWith("@" + survivor.Pid.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(finishedThere);
        Assert.NotEmpty(movedOn);
        Assert.Equal(onVictim.Count, finishedThere.Count + movedOn.Count);
    }

    private async Task<(RunHandle, string)> TriggerAsync(PostgresCluster cluster, int index, TimeSpan wait)
    {
        var file = Path.Combine(_folder, $"{index}.log");
        var handle = await cluster.Tasks.For<StepWaitStepTask>().TriggerAsync(new StepWaitPayload($"drain-{index}", wait, File: file));
        return (handle, file);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
