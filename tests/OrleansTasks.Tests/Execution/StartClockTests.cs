using Microsoft.Extensions.Time.Testing;
using OrleansTasks.Execution;

namespace OrleansTasks.Tests.Execution;

/// <summary>
/// The silo's start clock on a fake clock: every execution armed for a moment starts in one pass at it and never
/// before, and each is either started by the clock or withdrawn by its run, never both.
/// </summary>
public sealed class StartClockTests : IDisposable
{
    private static readonly DateTimeOffset s_moment = new(2026, 12, 1, 12, 1, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(s_moment.AddSeconds(-1));
    private readonly List<List<AttemptRequest>> _passes = [];
    private readonly StartClock _clock;

    public StartClockTests()
    {
        _clock = new StartClock(_time, due => _passes.Add([.. due]));
    }

    public void Dispose() => _clock.Dispose();

    private static AttemptRequest Request(string runId, int attempt = 1, string payload = "{}") =>
        new(runId, "task", attempt, 0, payload, [], "queue", MachinePreset.Small1x, s_moment.AddMinutes(-1), null, new Dictionary<string, RecordedOp>());

    private List<string> Started => [.. _passes.SelectMany(p => p).Select(r => r.RunId)];

    [Fact]
    public void EveryRunArmedForAMoment_StartsInOnePassAtIt_NotBefore()
    {
        for (var i = 0; i < 1000; i++)
        {
            _clock.Arm(Request($"run_{i}"), s_moment);
        }

        _clock.Arm(Request("later"), s_moment.AddSeconds(1));

        _time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Empty(_passes);
        Assert.Null(_clock.TakeStarted("run_0", 1));

        _time.Advance(TimeSpan.FromMilliseconds(1));
        var pass = Assert.Single(_passes);
        Assert.Equal(1000, pass.Count);
        Assert.Equal(s_moment, _clock.TakeStarted("run_0", 1));
        Assert.Null(_clock.TakeStarted("run_0", 1)); // taken once

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(2, _passes.Count);
        Assert.Equal(["later"], _passes[1].Select(r => r.RunId));
        Assert.Equal(1000, _clock.Count); // started, not yet taken by their runs (run_0 took its start)
    }

    [Fact]
    public void WithdrawnBeforeItsMoment_NeverStarts()
    {
        _clock.Arm(Request("kept"), s_moment);
        _clock.Arm(Request("withdrawn"), s_moment);

        Assert.Null(_clock.Withdraw("withdrawn", 1));
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(["kept"], Started);
        Assert.Null(_clock.TakeStarted("withdrawn", 1));
    }

    [Fact]
    public void WithdrawnAfterItStarted_SaysWhen()
    {
        _clock.Arm(Request("run"), s_moment);
        _time.Advance(TimeSpan.FromSeconds(1) + TimeSpan.FromMilliseconds(2));

        Assert.Equal(s_moment.AddMilliseconds(2), _clock.Withdraw("run", 1));
        Assert.Null(_clock.Withdraw("run", 1));
        Assert.Equal(0, _clock.Count);
    }

    [Fact]
    public void ArmedAgainBeforeItStarts_StartsOnceWithTheLatestRequest()
    {
        _clock.Arm(Request("run", payload: "{\"v\":1}"), s_moment);
        _clock.Arm(Request("run", payload: "{\"v\":2}"), s_moment);

        _time.Advance(TimeSpan.FromSeconds(1));

        var started = Assert.Single(Assert.Single(_passes));
        Assert.Equal("{\"v\":2}", started.PayloadJson);
    }

    [Fact]
    public void ArmedAgainForAnotherMoment_StartsOnlyAtTheNewOne()
    {
        _clock.Arm(Request("run"), s_moment);
        _clock.Arm(Request("run"), s_moment.AddSeconds(2));

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(_passes);

        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(["run"], Started);
    }

    [Fact]
    public void AnotherAttemptsWithdrawal_LeavesTheArmedOneAlone()
    {
        _clock.Arm(Request("run", attempt: 1), s_moment);

        Assert.Null(_clock.Withdraw("run", attempt: 2));
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(["run"], Started);
    }

    [Fact]
    public void ArmedWhereContextFlowIsSuppressed_StillStarts()
    {
        using (ExecutionContext.SuppressFlow())
        {
            _clock.Arm(Request("run"), s_moment);
        }

        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal(["run"], Started);
    }

    [Fact]
    public void Stopped_StartsNothing()
    {
        _clock.Arm(Request("run"), s_moment);

        _clock.Dispose();
        _time.Advance(TimeSpan.FromSeconds(1));
        _clock.Arm(Request("after"), s_moment.AddSeconds(1));
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Empty(_passes);
    }
}
