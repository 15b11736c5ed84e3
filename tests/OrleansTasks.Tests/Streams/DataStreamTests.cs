using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Streams;

/// <summary>Runs' data streams on an in-process cluster: written by tasks through <c>context.Streams</c>, read by the client.</summary>
[Collection(ClusterCollection.Name)]
public sealed class DataStreamTests(ClusterFixture fixture)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly ITaskClient _tasks = fixture.Tasks;

    [Fact]
    public async Task ReadStream_AfterTheRun_GetsEveryChunkInOrder_FromTheStartOrAnOffset()
    {
        var handle = await _tasks.For<StreamingTask>().TriggerAsync(new StreamingPayload(Guid.NewGuid().ToString("N"), Chunks: 50));
        var run = await _tasks.Runs.PollAsync(handle).Within(s_timeout, "the run");

        var text = await _tasks.Runs.ReadStreamAsync<string>(handle.Id, "text").ToListAsync().AsTask().Within(s_timeout, "the text");
        var events = await _tasks.Runs.ReadStreamAsync<StreamEvent>(handle.Id, "events").ToListAsync().AsTask().Within(s_timeout, "the events");
        var tail = await _tasks.Runs.ReadStreamAsync<string>(handle.Id, "text", fromOffset: 47).ToListAsync().AsTask().Within(s_timeout, "the tail");

        Assert.Equal(Words(50), text);
        Assert.Equal(Enumerable.Range(1, 50), events.Select(e => e.Index));
        Assert.Equal(["w48", "w49", "w50"], tail);
        Assert.Equal(string.Join(' ', Words(50)), run.Output);
        Assert.Equal(["events", "text"], run.Run.Streams.Order());
    }

    [Fact]
    public async Task ReadStream_WhileTheRunWrites_GetsChunksLive_AndEndsWhenThePipeDoes()
    {
        var key = Guid.NewGuid().ToString("N");
        var handle = await _tasks.For<StreamingTask>().TriggerAsync(new StreamingPayload(key, Chunks: 5, Gated: true));
        var read = new List<string>();

        await foreach (var word in _tasks.Runs.ReadStreamAsync<string>(handle.Id, "text").Within(s_timeout, "the live text"))
        {
            read.Add(word);
            if (read.Count == 4)
            {
                // The fifth word is made only now: the first four were read while the run was still writing.
                Assert.False((await _tasks.Runs.RetrieveAsync(handle.Id)).IsFinal);
                Probe.Release($"{key}:last");
            }
        }

        Assert.Equal(Words(5), read);
    }

    [Fact]
    public async Task Streams_OfARunThatReplays_HoldEachChunkOnce()
    {
        // The wait after the third word suspends the run; the replay pipes all the words again.
        var handle = await _tasks.For<StreamingTask>().TriggerAsync(new StreamingPayload(Guid.NewGuid().ToString("N"), Chunks: 6, WaitAfter: 3, Wait: TimeSpan.FromSeconds(2)));
        var run = await _tasks.Runs.PollAsync(handle).Within(s_timeout, "the run");

        Assert.True(run.IsSuccess, run.Run.Error?.ToString());
        Assert.Equal(Words(6), await _tasks.Runs.ReadStreamAsync<string>(handle.Id, "text").ToListAsync().AsTask().Within(s_timeout, "the text"));
        Assert.Equal(Enumerable.Range(1, 6), (await _tasks.Runs.ReadStreamAsync<StreamEvent>(handle.Id, "events").ToListAsync()).Select(e => e.Index));
    }

    [Fact]
    public async Task Streams_ChildrenWritingToTheirParent_AllLandOnTheParentsStream()
    {
        var handle = await _tasks.For<StreamingParentTask>().TriggerAsync(4);
        var run = await _tasks.Runs.PollAsync(handle).Within(s_timeout, "the parent");

        var chunks = await _tasks.Runs.ReadStreamAsync<StreamEvent>(handle.Id, "children").ToListAsync().AsTask().Within(s_timeout, "the children's stream");

        Assert.Equal(4, run.Output);
        Assert.Contains("children", run.Run.Streams);
        Assert.Equal(12, chunks.Count);
        Assert.Equal(4, chunks.Count(c => c.Index == 1));
    }

    [Theory]
    [InlineData("big", "stream_limit_exceeded", "at most 1,048,576")]
    [InlineData("parent", "invalid_request", "has no parent")]
    [InlineData("key", "invalid_request", "'bad key!' is not")]
    public async Task Streams_BadWrites_FailAtTheCallWithAClearError(string what, string code, string says)
    {
        var handle = await _tasks.For<StreamLimitTask>().TriggerAsync(what);
        var run = await _tasks.Runs.PollAsync(handle).Within(s_timeout, "the run");

        Assert.StartsWith(code + ":", run.Output, StringComparison.Ordinal);
        Assert.Contains(says, run.Output, StringComparison.Ordinal);
        Assert.Empty(run.Run.Streams);
    }

    [Fact]
    public async Task Streams_OneMoreThanARunMayHave_IsRefusedAtTheFlush_AndTheOthersStay()
    {
        var handle = await _tasks.For<StreamLimitTask>().TriggerAsync("many");
        var run = await _tasks.Runs.PollAsync(handle).Within(s_timeout, "the run");

        Assert.StartsWith("stream_limit_exceeded:", run.Output, StringComparison.Ordinal);
        Assert.Contains("has 100 data streams", run.Output, StringComparison.Ordinal);
        Assert.Equal(100, run.Run.Streams.Count);
        Assert.DoesNotContain("s100", run.Run.Streams);
        Assert.Equal([99], await _tasks.Runs.ReadStreamAsync<int>(handle.Id, "s99").ToListAsync());
    }

    [Fact]
    public async Task Streams_ARootRunWritingToItsRoot_WritesToItself()
    {
        var handle = await _tasks.For<StreamLimitTask>().TriggerAsync("root");
        var run = await _tasks.Runs.PollAsync(handle).Within(s_timeout, "the run");

        Assert.Equal("accepted", run.Output);
        Assert.Equal(["text"], run.Run.Streams);
        Assert.Equal(["to the root"], await _tasks.Runs.ReadStreamAsync<string>(handle.Id, "text").ToListAsync());
    }

    [Fact]
    public async Task ReadStream_BadArguments_FailAtTheCall_AndAnUnknownRunAtTheFirstRead()
    {
        Assert.Throws<InvalidRequestException>(() => _tasks.Runs.ReadStreamAsync<string>("run_x", "no spaces"));
        Assert.Throws<InvalidRequestException>(() => _tasks.Runs.ReadStreamAsync<string>("run_x", new string('k', 65)));
        Assert.Throws<InvalidRequestException>(() => _tasks.Runs.ReadStreamAsync<string>("run_x", "text", fromOffset: -1));
        await Assert.ThrowsAsync<RunNotFoundException>(async () => await _tasks.Runs.ReadStreamAsync<string>("run_" + Guid.NewGuid().ToString("N"), "text").ToListAsync());
    }

    [Fact]
    public async Task SubscribeToRunWithStreams_InterleavesStatesAndChunks_UntilTheRunAndItsStreamsEnd()
    {
        var handle = await _tasks.For<StreamingTask>().TriggerAsync(new StreamingPayload(Guid.NewGuid().ToString("N"), Chunks: 20));
        var states = new List<TaskRun>();
        var chunks = new Dictionary<string, List<StreamChunkArrived>>();

        await foreach (var item in _tasks.Runs.SubscribeToRunWithStreamsAsync(handle.Id).Within(s_timeout, "the run with its streams"))
        {
            switch (item)
            {
                case RunUpdated updated:
                    states.Add(updated.Run);
                    break;
                case StreamChunkArrived chunk:
                    (chunks.TryGetValue(chunk.Key, out var list) ? list : chunks[chunk.Key] = []).Add(chunk);
                    break;
            }
        }

        Assert.Equal(RunStatus.Completed, states[^1].Status);
        Assert.Equal(Words(20), chunks["text"].Select(c => c.Read<string>()));
        Assert.Equal(Enumerable.Range(0, 20).Select(i => (long)i), chunks["events"].Select(c => c.Offset));
        Assert.Equal(Enumerable.Range(1, 20), chunks["events"].Select(c => c.Read<StreamEvent>()!.Index));
    }

    private static IEnumerable<string> Words(int count) => Enumerable.Range(1, count).Select(i => $"w{i}");
}
