using OrleansTasks.Batches;
using OrleansTasks.Runs;
using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Batches;

[Collection(ClusterCollection.Name)]
public sealed class BatchTriggerTests(ClusterFixture fixture)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private readonly ITaskClient _tasks = fixture.Tasks;

    [Fact]
    public async Task BatchTriggerAsync_Typed_CreatesOneRunPerItemInItemOrder()
    {
        var items = Enumerable.Range(0, 25).Select(i => new BatchItem<EchoPayload>(new EchoPayload(i), new TriggerOptions { Tags = [$"item:{i}"] }));

        var batch = await _tasks.For<EchoTask>().BatchTriggerAsync(items);
        var runs = await Task.WhenAll(batch.Runs.Select(r => _tasks.Runs.PollAsync(r.Id))).Within(s_timeout, "the batch's runs");

        Assert.StartsWith("batch_", batch.BatchId, StringComparison.Ordinal);
        Assert.Equal(25, batch.Runs.Count);
        Assert.Equal(25, batch.Runs.Select(r => r.Id).Distinct().Count());
        Assert.All(batch.Runs, r => Assert.Equal("echo", r.TaskId));
        for (var i = 0; i < runs.Length; i++)
        {
            Assert.Equal(RunStatus.Completed, runs[i].Status);
            Assert.Equal(i, runs[i].GetOutput<EchoOutput>()!.Value);
            Assert.Equal([$"item:{i}"], runs[i].Tags);
            Assert.Equal(batch.BatchId, runs[i].BatchId);
        }
    }

    [Fact]
    public async Task BatchTriggerAsync_ByTaskIdWithJson_CreatesTheRuns()
    {
        var batch = await _tasks.BatchTriggerAsync("echo", [new JsonBatchItem("""{"value":7}"""), new JsonBatchItem("""{"value":8}""")]);
        var runs = await Task.WhenAll(batch.Runs.Select(r => _tasks.Runs.PollAsync(r.Id))).Within(s_timeout, "the batch's runs");

        Assert.Equal([7, 8], runs.Select(r => r.GetOutput<EchoOutput>()!.Value));
    }

    [Fact]
    public async Task BatchTriggerAsync_MoreThan1000Items_RefusedBeforeAnythingIsCreated()
    {
        var before = fixture.Store.Count;
        var items = Enumerable.Range(0, TaskLimits.MaxBatchItems + 1).Select(i => new BatchItem<EchoPayload>(new EchoPayload(i)));

        var error = await Assert.ThrowsAsync<BatchTooLargeException>(() => _tasks.For<EchoTask>().BatchTriggerAsync(items));

        Assert.Equal(1001, error.ItemCount);
        Assert.Equal(1000, error.Limit);
        Assert.Equal(before, fixture.Store.Count);
    }

    [Fact]
    public async Task BatchGrain_MoreThan1000ItemsSentDirectly_RefusedThereToo()
    {
        var items = Enumerable.Range(0, 1001).Select(_ => new TriggerRequest { TaskId = "echo", PayloadJson = """{"value":1}""" }).ToList();

        await Assert.ThrowsAsync<BatchTooLargeException>(() =>
            fixture.Grains.GetGrain<IBatchGrain>(RunIds.NewBatchId(DateTimeOffset.UtcNow)).TriggerAsync(items));
    }

    [Fact]
    public async Task BatchTriggerAsync_OneItemWithUnknownTaskOrBadPayload_NothingIsCreated()
    {
        var before = fixture.Store.Count;
        var items = new List<TriggerRequest>
        {
            new() { TaskId = "echo", PayloadJson = """{"value":1}""" },
            new() { TaskId = "no-such-task", PayloadJson = "{}" },
        };

        var unknown = await Assert.ThrowsAsync<UnknownTaskException>(() =>
            fixture.Grains.GetGrain<IBatchGrain>(RunIds.NewBatchId(DateTimeOffset.UtcNow)).TriggerAsync(items));
        var badJson = await Assert.ThrowsAsync<InvalidTriggerException>(() =>
            _tasks.BatchTriggerAsync("echo", [new JsonBatchItem("""{"value":1}"""), new JsonBatchItem("{oops")]));

        Assert.Equal("no-such-task", unknown.TaskId);
        Assert.Contains("not valid JSON", badJson.Message, StringComparison.Ordinal);
        Assert.Equal(before, fixture.Store.Count);
    }

    [Fact]
    public async Task BatchTriggerAsync_NoItems_IsAnArgumentError()
    {
        await Assert.ThrowsAsync<InvalidRequestException>(() => _tasks.For<EchoTask>().BatchTriggerAsync(Array.Empty<EchoPayload>()));
    }

    [Fact]
    public async Task BatchGrain_CalledAgainWithTheSameBatchId_ReturnsTheSameRuns()
    {
        var grain = fixture.Grains.GetGrain<IBatchGrain>(RunIds.NewBatchId(DateTimeOffset.UtcNow));
        var items = Enumerable.Range(0, 5).Select(i => new TriggerRequest { TaskId = "echo", PayloadJson = $$"""{"value":{{i}}}""" }).ToList();
        var before = fixture.Store.Count;

        var first = await grain.TriggerAsync(items);
        var second = await grain.TriggerAsync(items);

        Assert.Equal(first.Runs, second.Runs);
        Assert.Equal(before + 5, fixture.Store.Count);
    }
}
