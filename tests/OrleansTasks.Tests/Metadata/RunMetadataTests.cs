using System.Text.Json.Nodes;
using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Metadata;

/// <summary><c>context.Metadata</c> on a cluster: changes reach the run once each, across replays, and from children to their parent.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RunMetadataTests(ClusterFixture fixture)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly ITaskClient _tasks = fixture.Tasks;

    [Fact]
    public async Task Metadata_ChangedBeforeAndAfterASuspendingWait_EachChangeAppliesOnce()
    {
        var key = Guid.NewGuid().ToString("N");

        var handle = await _tasks.For<MetadataProgressTask>().TriggerAsync(new MetadataPayload(key, TimeSpan.FromSeconds(2)));
        var run = await _tasks.Runs.PollAsync(handle).Within(s_timeout, "the run");

        Assert.True(run.IsSuccess, run.Error?.ToString());
        Assert.True(Probe.CountOf($"{key}:executions") >= 2, "the attempt replayed after the wait");
        Assert.Equal(4, run.Output);
        Assert.Equal(4, run.Run.GetMetadata<double>("count"));
        Assert.Equal("done", run.Run.GetMetadata<string>("status"));
        Assert.Equal(["first", "second"], run.Run.GetMetadata<string[]>("steps")!);
    }

    [Fact]
    public async Task Metadata_OverTheLimit_FailsAtTheCallAndChangesNothing()
    {
        var handle = await _tasks.For<MetadataProgressTask>().TriggerAsync(new MetadataPayload(Guid.NewGuid().ToString("N"), TimeSpan.Zero, TooLarge: true));
        var run = await _tasks.Runs.PollAsync(handle).Within(s_timeout, "the run");

        Assert.True(run.IsSuccess, run.Error?.ToString());
        Assert.True(run.Run.GetMetadata<bool>("refused"));
        Assert.Null(run.Run.GetMetadata<string>("blob"));
        Assert.Equal(4, run.Run.GetMetadata<double>("count"));
    }

    [Fact]
    public async Task Metadata_AHundredChildrenCountIntoTheirParent_LeaveExactlyAHundred()
    {
        var handle = await _tasks.For<MetadataFanOutTask>().TriggerAsync(100);
        var run = await _tasks.Runs.PollAsync(handle).Within(s_timeout, "the fan-out");

        Assert.Equal(100, run.Output);
        Assert.Equal(100, run.Run.GetMetadata<int>("total"));
        Assert.Equal(100, run.Run.GetMetadata<double>("done"));
        Assert.Equal(Enumerable.Range(0, 100), run.Run.GetMetadata<int[]>("children")!.Order());
    }

    [Fact]
    public async Task TriggerOptions_WithMetadata_IsTheRunsFirstMetadata_AndTheCodeBuildsOnIt()
    {
        var handle = await _tasks.For<MetadataProgressTask>().TriggerAsync(
            new MetadataPayload(Guid.NewGuid().ToString("N"), TimeSpan.Zero),
            new TriggerOptions().WithMetadata(new { count = 10, owner = "ops" }));
        var run = await _tasks.Runs.PollAsync(handle).Within(s_timeout, "the run");

        var invalid = await Assert.ThrowsAsync<InvalidTriggerException>(() => _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(1), new TriggerOptions { MetadataJson = "[1]" }));

        Assert.Equal(14, run.Output);
        Assert.Equal("ops", run.Run.GetMetadata<string>("owner"));
        Assert.Contains("MetadataJson", invalid.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateMetadataAsync_FromAClient_ReplacesTheRunsMetadata()
    {
        var handle = await _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(1), new TriggerOptions { Delay = TimeSpan.FromHours(1) });

        var updated = await _tasks.Runs.UpdateMetadataAsync(handle.Id, new { owner = "ops", priority = 2 });
        var tooLarge = await Assert.ThrowsAsync<MetadataTooLargeException>(() => _tasks.Runs.UpdateMetadataAsync(handle.Id, new { blob = new string('x', 300_000) }));
        var notAnObject = await Assert.ThrowsAsync<InvalidRequestException>(() => _tasks.Runs.UpdateMetadataAsync(handle.Id, new[] { 1, 2 }));
        var after = await _tasks.Runs.CancelAsync(handle.Id);

        Assert.Equal("ops", updated.GetMetadata<string>("owner"));
        Assert.Equal(2, updated.GetMetadata<int>("priority"));
        Assert.True(tooLarge.Size > tooLarge.Limit);
        Assert.Contains("JSON object", notAnObject.Message, StringComparison.Ordinal);
        Assert.Equal(JsonNode.Parse("""{"owner":"ops","priority":2}""")!.ToJsonString(), JsonNode.Parse(after.MetadataJson!)!.ToJsonString());
    }
}
