using Microsoft.Extensions.Time.Testing;
using OrleansTasks.Updates;

namespace OrleansTasks.Tests.Realtime;

/// <summary>
/// The barrier a change of the followed topics waits at: every run write that began without an update must have ended
/// before a subscriber reads its snapshot, and writes that begin afterwards never hold it up.
/// </summary>
public sealed class DeclinedWritesTests
{
    private static readonly TimeSpan s_limit = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task NoWriteInFlight_TheDrainIsDoneAtOnce()
    {
        var writes = new DeclinedWrites(new FakeTimeProvider());

        Assert.True(await writes.DrainAsync(s_limit, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task AWriteThatBeganBefore_HoldsTheDrainUntilItEnds()
    {
        var time = new FakeTimeProvider();
        var writes = new DeclinedWrites(time);
        var first = writes.Enter();
        var second = writes.Enter();

        var drain = writes.DrainAsync(s_limit, TestContext.Current.CancellationToken);
        await AdvanceAsync(time, TimeSpan.FromMilliseconds(100));
        Assert.False(drain.IsCompleted);

        writes.Leave(first);
        await AdvanceAsync(time, TimeSpan.FromMilliseconds(100));
        Assert.False(drain.IsCompleted);

        writes.Leave(second);
        Assert.True(await EndAsync(time, drain));
    }

    [Fact]
    public async Task WritesThatBeginDuringTheDrain_DoNotHoldItUp()
    {
        var time = new FakeTimeProvider();
        var writes = new DeclinedWrites(time);
        var before = writes.Enter();

        var drain = writes.DrainAsync(s_limit, TestContext.Current.CancellationToken);
        var during = writes.Enter();
        writes.Leave(before);

        Assert.True(await EndAsync(time, drain));

        // The write that began during the first drain is what the next one waits for.
        var next = writes.DrainAsync(s_limit, TestContext.Current.CancellationToken);
        await AdvanceAsync(time, TimeSpan.FromMilliseconds(100));
        Assert.False(next.IsCompleted);
        writes.Leave(during);
        Assert.True(await EndAsync(time, next));
    }

    [Fact]
    public async Task AWriteThatNeverEnds_TheDrainGivesUpAtItsLimit()
    {
        var time = new FakeTimeProvider();
        var writes = new DeclinedWrites(time);
        writes.Enter();

        var drain = writes.DrainAsync(s_limit, TestContext.Current.CancellationToken);
        await AdvanceAsync(time, s_limit - TimeSpan.FromMilliseconds(10));
        Assert.False(drain.IsCompleted);

        Assert.False(await EndAsync(time, drain));
    }

    [Fact]
    public async Task TheEmptyTicket_CountsNothing()
    {
        var writes = new DeclinedWrites(new FakeTimeProvider());
        writes.Leave(default);

        Assert.True(await writes.DrainAsync(s_limit, TestContext.Current.CancellationToken));
    }

    /// <summary>Moves the clock in the drain's polling steps until <paramref name="drain"/> ends (at most a minute of fake time).</summary>
    private static async Task<bool> EndAsync(FakeTimeProvider time, Task<bool> drain)
    {
        for (var moved = TimeSpan.Zero; !drain.IsCompleted && moved < TimeSpan.FromMinutes(1); moved += TimeSpan.FromMilliseconds(2))
        {
            time.Advance(TimeSpan.FromMilliseconds(2));
            await Task.Delay(1, TestContext.Current.CancellationToken);
        }

        return await drain;
    }

    /// <summary>Moves the clock in the drain's polling steps, letting each timer's continuation run.</summary>
    private static async Task AdvanceAsync(FakeTimeProvider time, TimeSpan by)
    {
        var step = TimeSpan.FromMilliseconds(2);
        for (var moved = TimeSpan.Zero; moved < by; moved += step)
        {
            time.Advance(step);
            await Task.Yield();
            await Task.Delay(1, TestContext.Current.CancellationToken);
        }
    }
}
