using OrleansTasks.Streams;

namespace OrleansTasks.Tests.Streams;

/// <summary>What every data-stream store does: the same tests run against memory and PostgreSQL.</summary>
public abstract class RunStreamStoreContract
{
    internal abstract IRunStreamStore Store { get; }

    [Fact]
    public async Task AppendThenRead_ChunksComeBackInOffsetOrder_FromAnyOffset_WithTheEnd()
    {
        var run = NewRunId();
        await Store.AppendAsync(new StreamRows(run, "text", "s/a1", 1, 0, ["\"a\"", "\"b\""], End: false));
        await Store.AppendAsync(new StreamRows(run, "text", "s/a1", 3, 2, ["\"c\""], End: true));

        var all = await Store.ReadAsync(run, "text", 0, 100);
        var tail = await Store.ReadAsync(run, "text", 2, 100);
        var first = await Store.ReadAsync(run, "text", 0, 2);

        Assert.Equal([(0L, "\"a\""), (1L, "\"b\""), (2L, "\"c\"")], all.Chunks.Select(c => (c.Offset, c.Json)));
        Assert.True(all.Ended);
        Assert.Equal(["\"c\""], tail.Chunks.Select(c => c.Json));
        Assert.True(tail.Ended);
        Assert.Equal(2, first.Chunks.Length);
        Assert.False(first.Ended, "more chunks follow the page, so it does not end there");
    }

    [Fact]
    public async Task Load_SaysLengthSizeEndAndTheLastNumberOfEachSource()
    {
        var run = NewRunId();
        await Store.AppendAsync(new StreamRows(run, "text", "s/a1", 1, 0, ["\"ab\"", "\"cd\""], End: false));
        await Store.AppendAsync(new StreamRows(run, "text", "child/a1", 1, 2, ["1"], End: true));

        var state = await Store.LoadAsync(run, "text");
        var empty = await Store.LoadAsync(run, "other");

        Assert.Equal(3, state.Length);
        Assert.Equal(4 + 4 + 1, state.Bytes);
        Assert.True(state.Ended);
        Assert.Equal(2, state.Sources["s/a1"]);
        Assert.Equal(2, state.Sources["child/a1"]); // its chunk and the ending row
        Assert.Equal((0L, 0L, false), (empty.Length, empty.Bytes, empty.Ended));
        Assert.Empty(empty.Sources);
    }

    [Fact]
    public async Task Append_TheSameOffsetsAgain_KeepsTheFirst()
    {
        var run = NewRunId();
        await Store.AppendAsync(new StreamRows(run, "text", "s/a1", 1, 0, ["\"first\""], End: false));
        await Store.AppendAsync(new StreamRows(run, "text", "s/a1", 1, 0, ["\"again\""], End: false));

        Assert.Equal(["\"first\""], (await Store.ReadAsync(run, "text", 0, 10)).Chunks.Select(c => c.Json));
    }

    private static string NewRunId() => "run_" + Guid.NewGuid().ToString("N");
}

public sealed class InMemoryRunStreamStoreTests : RunStreamStoreContract
{
    internal override IRunStreamStore Store { get; } = new InMemoryRunStreamStore(TimeProvider.System);
}
