using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Listing;

[Collection(ClusterCollection.Name)]
public sealed class ReplayTests(ClusterFixture fixture)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly ITaskClient _tasks = fixture.Tasks;

    [Fact]
    public async Task ReplayAsync_SamePayload_NewRunOfTheTaskLinkedToTheOriginalWhichIsUntouched()
    {
        var options = new TriggerOptions { Tags = ["replay", RunListingTests.NewTag()], ConcurrencyKey = "tenant-9", Machine = MachinePreset.Medium1x };
        var handle = await _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(11, "again"), options);
        var original = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the original run");

        var replay = await _tasks.Runs.ReplayAsync(handle.Id);
        var run = await _tasks.Runs.PollAsync(replay.Id).Within(s_timeout, "the replay");

        Assert.NotEqual(handle.Id, replay.Id);
        Assert.Equal("echo", replay.TaskId);
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(handle.Id, run.ReplayOf);
        Assert.Equal(original.PayloadJson, run.PayloadJson);
        Assert.Equal(11, run.GetOutput<EchoOutput>()!.Value);
        Assert.Equal(replay.Id, run.GetOutput<EchoOutput>()!.RunId);
        Assert.Equal(original.Tags, run.Tags);
        Assert.Equal(original.Queue, run.Queue);
        Assert.Equal("tenant-9", run.ConcurrencyKey);
        Assert.Equal(MachinePreset.Medium1x, run.Machine);
        Assert.Null(run.ParentRunId);

        var after = await _tasks.Runs.RetrieveAsync(handle.Id);
        Assert.Equal(original.Status, after.Status);
        Assert.Equal(original.UpdatedAt, after.UpdatedAt);
        Assert.Equal(original.Attempts.Count, after.Attempts.Count);
        Assert.Null(after.ReplayOf);
    }

    [Fact]
    public async Task ReplayAsync_NewPayload_RunsWithIt()
    {
        var handle = await _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(1), new TriggerOptions { Tags = ["replay-new"] });
        await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the original run");

        var replay = await _tasks.Runs.ReplayAsync(handle.Id, """{"value":2,"text":"edited"}""");
        var run = await _tasks.Runs.PollAsync(replay.Id).Within(s_timeout, "the replay");

        Assert.Equal(handle.Id, run.ReplayOf);
        Assert.Equal(2, run.GetOutput<EchoOutput>()!.Value);
        Assert.Equal("edited", run.GetOutput<EchoOutput>()!.Text);
        Assert.Equal(1, (await _tasks.Runs.RetrieveAsync(handle.Id)).GetOutput<EchoOutput>()!.Value);
    }

    [Fact]
    public async Task ReplayAsync_OptionsGiven_UsedInsteadOfTheOriginals()
    {
        var handle = await _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(3), new TriggerOptions { Tags = ["first"], Machine = MachinePreset.Large1x });
        await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the original run");

        var replay = await _tasks.Runs.ReplayAsync(handle.Id, options: new TriggerOptions { Tags = ["second"] });
        var run = await _tasks.Runs.PollAsync(replay.Id).Within(s_timeout, "the replay");

        Assert.Equal(["second"], run.Tags);
        Assert.Equal(MachinePreset.Small1x, run.Machine);
        Assert.Equal(handle.Id, run.ReplayOf);
    }

    [Fact]
    public async Task ReplayAsync_UnfinishedOriginal_ReplayedAndOriginalStaysQueued()
    {
        var handle = await _tasks.For<PausedTask>().TriggerAsync(new EmptyPayload());

        var replay = await _tasks.Runs.ReplayAsync(handle.Id);

        Assert.Equal(handle.Id, (await _tasks.Runs.RetrieveAsync(replay.Id)).ReplayOf);
        Assert.Equal(RunStatus.Queued, (await _tasks.Runs.RetrieveAsync(handle.Id)).Status);
        await _tasks.Runs.CancelAsync(handle.Id);
        await _tasks.Runs.CancelAsync(replay.Id);
    }

    [Fact]
    public async Task ReplayAsync_UnknownRun_ThrowsRunNotFound()
    {
        var exception = await Assert.ThrowsAsync<RunNotFoundException>(() => _tasks.Runs.ReplayAsync("run_nosuchrunforreplay"));

        Assert.Equal("run_nosuchrunforreplay", exception.RunId);
    }

    [Fact]
    public async Task ReplayAsync_InvalidPayload_ThrowsInvalidTrigger()
    {
        var handle = await _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(4));

        await Assert.ThrowsAsync<InvalidTriggerException>(() => _tasks.Runs.ReplayAsync(handle.Id, "{not json"));
    }
}
