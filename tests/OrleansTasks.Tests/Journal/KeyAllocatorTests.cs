using OrleansTasks.Execution;

namespace OrleansTasks.Tests.Journal;

/// <summary>
/// Journal positions: the same code gets the same positions however its parallel branches happen to finish, which is
/// what lets a replay find each recorded operation.
/// </summary>
public sealed class KeyAllocatorTests
{
    [Fact]
    public void OneOperationAfterAnother_CountsUp()
    {
        var keys = new KeyAllocator();
        Assert.Equal(["0", "1", "2"], [keys.Next(), keys.Next(), keys.Next()]);
    }

    [Fact]
    public async Task ParallelFlows_EachGetsItsOwnBranch_FixedByTheOrderTheyStart()
    {
        var keys = new KeyAllocator();
        var first = keys.Next();
        var (a, b, c) = await ThreeFlowsAsync(keys, finishOrder: [0, 1, 2]);

        Assert.Equal("0", first);
        Assert.Equal(["1", "2", "3"], a);
        Assert.Equal(["1.1.0", "1.1.1", "1.1.2"], b);
        Assert.Equal(["1.2.0", "1.2.1", "1.2.2"], c);
    }

    [Theory]
    [InlineData(new[] { 0, 1, 2 })]
    [InlineData(new[] { 2, 1, 0 })]
    [InlineData(new[] { 1, 2, 0 })]
    public async Task Replay_FlowsFinishingInAnotherOrder_GetTheSamePositions(int[] finishOrder)
    {
        var original = await ThreeFlowsAsync(new KeyAllocator(), finishOrder: [0, 1, 2]);
        var replay = await ThreeFlowsAsync(new KeyAllocator(), finishOrder);

        Assert.Equal(original.A, replay.A);
        Assert.Equal(original.B, replay.B);
        Assert.Equal(original.C, replay.C);
    }

    [Fact]
    public async Task AfterTheBranchesJoin_TheCallerGoesOnWithPositionsOfItsOwn()
    {
        var keys = new KeyAllocator();
        keys.Next();
        var (a, b, c) = await ThreeFlowsAsync(keys, finishOrder: [0, 1, 2]);
        var after = keys.Next();

        Assert.DoesNotContain(after, a.Concat(b).Concat(c));
        Assert.Equal("1.3.0", after);
    }

    [Fact]
    public async Task NestedFork_InsideABranch_GetsABranchOfThatBranch()
    {
        var keys = new KeyAllocator();
        var outer = await Task.WhenAll(Flow(keys, 1), NestedAsync(keys));

        Assert.Equal(["0"], outer[0]);
        Assert.Equal(["0.1.0", "0.1.1", "0.1.1.1.0"], outer[1]);

        static async Task<string[]> NestedAsync(KeyAllocator keys)
        {
            var first = keys.Next();
            await Task.Yield();
            var inner = await Task.WhenAll(Flow(keys, 1), Flow(keys, 1));
            return [first, .. inner[0], .. inner[1]];
        }
    }

    /// <summary>
    /// Three flows forked at one point, each taking three positions with pauses between; the pauses end in
    /// <paramref name="finishOrder"/>, as recorded operations would finish in whatever order.
    /// </summary>
    private static async Task<(string[] A, string[] B, string[] C)> ThreeFlowsAsync(KeyAllocator keys, int[] finishOrder)
    {
        var gates = Enumerable.Range(0, 3).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        var flows = Enumerable.Range(0, 3).Select(i => GatedFlow(keys, gates[i].Task)).ToArray();
        foreach (var i in finishOrder)
        {
            gates[i].SetResult();
            await flows[i];
        }

        return (await flows[0], await flows[1], await flows[2]);
    }

    private static async Task<string[]> GatedFlow(KeyAllocator keys, Task gate)
    {
        var taken = new List<string> { keys.Next() };
        await gate;
        taken.Add(keys.Next());
        await Task.Yield();
        taken.Add(keys.Next());
        return [.. taken];
    }

    private static async Task<string[]> Flow(KeyAllocator keys, int count)
    {
        var taken = new List<string>();
        for (var i = 0; i < count; i++)
        {
            taken.Add(keys.Next());
            await Task.Yield();
        }

        return [.. taken];
    }
}
