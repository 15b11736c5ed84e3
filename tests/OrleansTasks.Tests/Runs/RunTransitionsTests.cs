using OrleansTasks.Runs;

namespace OrleansTasks.Tests.Runs;

/// <summary>
/// Which status a run may move to from which, over every pair: Trigger.dev's status table (DELAYED → QUEUED →
/// DEQUEUED → EXECUTING ⇄ WAITING → a final status), where a final status never changes again.
/// </summary>
public sealed class RunTransitionsTests
{
    private static readonly RunStatus[] s_all = Enum.GetValues<RunStatus>();

    private static readonly Dictionary<RunStatus, RunStatus[]> s_allowed = new()
    {
        [RunStatus.Delayed] = [RunStatus.Queued, RunStatus.Executing, RunStatus.Canceled, RunStatus.Expired, RunStatus.SystemFailure],
        [RunStatus.Queued] = [RunStatus.Queued, RunStatus.Dequeued, RunStatus.Executing, RunStatus.Canceled, RunStatus.Expired,
            RunStatus.Crashed, RunStatus.SystemFailure, RunStatus.Failed],
        [RunStatus.Dequeued] = [RunStatus.Executing, RunStatus.Queued, RunStatus.Canceled, RunStatus.SystemFailure],
        [RunStatus.Executing] = [RunStatus.Queued, RunStatus.Waiting, RunStatus.Completed, RunStatus.Failed, RunStatus.Canceled,
            RunStatus.TimedOut, RunStatus.Crashed, RunStatus.SystemFailure],
        [RunStatus.Waiting] = [RunStatus.Queued, RunStatus.Executing, RunStatus.Completed, RunStatus.Canceled, RunStatus.Failed,
            RunStatus.TimedOut, RunStatus.Crashed, RunStatus.SystemFailure],
    };

    public static TheoryData<RunStatus, RunStatus> EveryPair()
    {
        var data = new TheoryData<RunStatus, RunStatus>();
        foreach (var from in s_all)
        {
            foreach (var to in s_all)
            {
                data.Add(from, to);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryPair))]
    public void IsAllowed_MatchesTheStatusTable(RunStatus from, RunStatus to)
    {
        var expected = s_allowed.TryGetValue(from, out var targets) && targets.Contains(to);
        Assert.Equal(expected, RunTransitions.IsAllowed(from, to));
    }

    [Fact]
    public void FinalStatuses_NeverMove_AndNothingGoesBackToDelayed()
    {
        foreach (var from in s_all.Where(s => s.IsFinal()))
        {
            Assert.All(s_all, to => Assert.False(RunTransitions.IsAllowed(from, to), $"{from} → {to}"));
        }

        Assert.All(s_all, from => Assert.False(RunTransitions.IsAllowed(from, RunStatus.Delayed), $"{from} → DELAYED"));
        Assert.Equal(s_all.Where(s => !s.IsFinal()).Order(), s_allowed.Keys.Order());
    }

    [Fact]
    public void Ensure_ARefusedMove_SaysWhichRunAndWhichMove()
    {
        var error = Assert.Throws<InvalidOperationException>(() => RunTransitions.Ensure("run_1", RunStatus.Completed, RunStatus.Executing));
        Assert.Equal("Run run_1 cannot move from COMPLETED to EXECUTING.", error.Message);
    }
}
