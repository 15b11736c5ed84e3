using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Queues;

[Collection(MachineCollection.Name)]
public sealed class MachinePresetTests(MachineFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly ITaskClient _tasks = fixture.Tasks;

    [Fact]
    public async Task Runs_ExecuteOnlyOnTheSiloThatServesTheirPreset()
    {
        var small = await RunManyAsync(MachinePreset.Small1x);
        var large = await RunManyAsync(MachinePreset.Large1x);

        // Each preset's runs all ran on one silo (whichever grain placement picked first), and not the same one.
        var smallSilo = Assert.Single(small.Select(r => r.Attempts[0].Silo).Distinct());
        var largeSilo = Assert.Single(large.Select(r => r.Attempts[0].Silo).Distinct());
        Assert.NotEqual(smallSilo, largeSilo);
    }

    private async Task<TaskRun[]> RunManyAsync(MachinePreset machine)
    {
        var handles = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(i), new TriggerOptions { Machine = machine })));
        var runs = await Task.WhenAll(handles.Select(h => _tasks.Runs.PollAsync(h.Id))).Within(s_timeout, "the runs");
        Assert.All(runs, r => Assert.Equal(RunStatus.Completed, r.Status));
        Assert.All(runs, r => Assert.Equal(machine, r.Machine));
        output.WriteLine($"{machine}: created to started " + string.Join(", ", runs.Select(r => $"{(r.Attempts[0].StartedAt - r.CreatedAt).TotalMilliseconds:F0} ms")));
        return runs;
    }

    [Fact]
    public async Task ARunWhosePresetNoSiloServes_WaitsQueuedAndSaysWhy()
    {
        var handle = await _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(1), new TriggerOptions { Machine = MachinePreset.Large2x });

        var run = await Eventually.Poll(() => _tasks.Runs.RetrieveAsync(handle.Id), r => r.WaitingFor is not null, s_timeout, "the run to say why it waits");
        Assert.Equal(RunStatus.Queued, run.Status);
        Assert.Contains("large-2x", run.WaitingFor, StringComparison.Ordinal);
        Assert.Empty(run.Attempts);

        Assert.Equal(RunStatus.Canceled, (await _tasks.Runs.CancelAsync(handle.Id)).Status);
    }
}
