using OrleansTasks.Queues;

namespace OrleansTasks.Tests.Queues;

/// <summary>The queue's rules on their own: which run may start, under which limit, and when time changes that.</summary>
public sealed class KeyedBacklogTests
{
    private static readonly DateTimeOffset s_t0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly QueueLimits s_unlimited = new(int.MaxValue, int.MaxValue, null, false);

    private static QueueTicket Ticket(string runId, long order, string? key = null, DateTimeOffset? expiresAt = null) =>
        new(runId, key, order, expiresAt);

    /// <summary>Takes every run that may start now, in the order it may, as the queue grain does with permits to spare.</summary>
    private static List<string> TakeAll(KeyedBacklog backlog, DateTimeOffset now)
    {
        var taken = new List<string>();
        while (backlog.TakeNext(now) is { } next)
        {
            taken.Add(next.Expired ? $"expired:{next.RunId}" : next.RunId);
        }

        return taken;
    }

    [Fact]
    public void TakeNext_ServesLowestOrderFirst_ThenArrival()
    {
        var backlog = new KeyedBacklog(s_unlimited);
        backlog.Enqueue(Ticket("late", 300), s_t0);
        backlog.Enqueue(Ticket("early-a", 100), s_t0);
        backlog.Enqueue(Ticket("prioritised", 50), s_t0);
        backlog.Enqueue(Ticket("early-b", 100), s_t0);

        Assert.Equal(["prioritised", "early-a", "early-b", "late"], TakeAll(backlog, s_t0));
        Assert.Equal(4, backlog.Running);
        Assert.Equal(0, backlog.Queued);
    }

    [Fact]
    public void AskedAhead_JoinsTheBacklogItsLeadBeforeItsMoment_NotBefore()
    {
        var backlog = new KeyedBacklog(s_unlimited);
        var moment = s_t0.AddSeconds(10);
        var joins = moment - KeyedBacklog.AheadLead;
        backlog.Enqueue(Ticket("now", 500), s_t0);
        backlog.Enqueue(Ticket("ahead", 100) with { NotBefore = moment }, s_t0);

        Assert.Equal(1, backlog.Ahead);
        Assert.Equal(1, backlog.Queued);
        Assert.Equal(joins, backlog.NextDueAt);
        Assert.Equal(["now"], TakeAll(backlog, joins.AddMilliseconds(-1)));

        backlog.OnClock(joins.AddMilliseconds(-1));
        Assert.Equal(1, backlog.Ahead);

        backlog.OnClock(joins);
        Assert.Equal(0, backlog.Ahead);
        Assert.Equal(1, backlog.Queued);
        Assert.Null(backlog.NextDueAt);
        Assert.Equal(["ahead"], TakeAll(backlog, joins));
    }

    [Fact]
    public void AskedAhead_WithinItsLead_JoinsAtOnce()
    {
        var backlog = new KeyedBacklog(s_unlimited);
        var moment = s_t0.AddMilliseconds(300);

        backlog.Enqueue(Ticket("ahead", 100) with { NotBefore = moment }, s_t0);

        Assert.Equal(0, backlog.Ahead);
        Assert.Equal(["ahead"], TakeAll(backlog, s_t0));
    }

    [Fact]
    public void AskedAhead_ManyForOneMoment_AllMayStartTogether_InTheirOrder()
    {
        var backlog = new KeyedBacklog(s_unlimited);
        var moment = s_t0.AddSeconds(10);
        backlog.Enqueue(Ticket("b", 200) with { NotBefore = moment }, s_t0);
        backlog.Enqueue(Ticket("a", 100) with { NotBefore = moment }, s_t0.AddSeconds(1));
        backlog.Enqueue(Ticket("c", 300) with { NotBefore = moment }, s_t0.AddSeconds(2));

        backlog.OnClock(moment);

        Assert.Equal(3, backlog.Demand);
        Assert.Equal(["a", "b", "c"], TakeAll(backlog, moment));
    }

    [Fact]
    public void AskedAhead_Released_IsTakenBack_AndNeverJoins()
    {
        var backlog = new KeyedBacklog(s_unlimited);
        var moment = s_t0.AddSeconds(10);
        backlog.Enqueue(Ticket("ahead", 100) with { NotBefore = moment }, s_t0);

        Assert.Equal(BacklogRelease.LeftBacklog, backlog.Release("ahead", s_t0.AddSeconds(1)));
        Assert.Equal(BacklogRelease.NotHere, backlog.Release("ahead", s_t0.AddSeconds(1)));

        backlog.OnClock(moment);
        Assert.Equal(0, backlog.Queued);
        Assert.Empty(TakeAll(backlog, moment));
    }

    [Fact]
    public void AskedAhead_ThenAskedPlainly_JoinsAtOnce_AndOnlyOnce()
    {
        var backlog = new KeyedBacklog(s_unlimited);
        var moment = s_t0.AddSeconds(10);
        backlog.Enqueue(Ticket("run", 100) with { NotBefore = moment }, s_t0);

        backlog.Enqueue(Ticket("run", 100), s_t0.AddSeconds(1));
        Assert.Equal(0, backlog.Ahead);
        Assert.Equal(["run"], TakeAll(backlog, s_t0.AddSeconds(1)));

        backlog.OnClock(moment);
        Assert.Equal(0, backlog.Queued);
        Assert.Equal(1, backlog.Running);
    }

    [Fact]
    public void AskedAhead_WithATimeToLive_ExpiresFromItsTicketOnceItJoins()
    {
        var backlog = new KeyedBacklog(s_unlimited with { PerKey = 0 });
        var moment = s_t0.AddSeconds(10);
        backlog.Enqueue(Ticket("ahead", 100, expiresAt: moment.AddSeconds(5)) with { NotBefore = moment }, s_t0);

        backlog.OnClock(moment);
        Assert.Equal(moment.AddSeconds(5), backlog.NextDueAt);
        Assert.Equal(["ahead"], backlog.ExpireDue(moment.AddSeconds(5)));
    }

    [Fact]
    public void Enqueue_SameRunTwiceOrWhileItHoldsASlot_CountedOnce()
    {
        var backlog = new KeyedBacklog(s_unlimited);
        backlog.Enqueue(Ticket("a", 1), s_t0);
        backlog.Enqueue(Ticket("a", 1), s_t0);
        Assert.Equal(1, backlog.Queued);

        Assert.Equal(["a"], TakeAll(backlog, s_t0));
        backlog.Enqueue(Ticket("a", 1), s_t0);
        Assert.Equal(0, backlog.Queued);
        Assert.True(backlog.HoldsSlot("a", out var grantedAt));
        Assert.Equal(s_t0, grantedAt);
    }

    [Fact]
    public void PerKeyLimit_HoldsForEachKeyApart_AndAFreedSlotLetsTheNextOfThatKeyIn()
    {
        var backlog = new KeyedBacklog(s_unlimited with { PerKey = 1 });
        backlog.Enqueue(Ticket("a1", 1, "a"), s_t0);
        backlog.Enqueue(Ticket("a2", 2, "a"), s_t0);
        backlog.Enqueue(Ticket("b1", 3, "b"), s_t0);

        Assert.Equal(["a1", "b1"], TakeAll(backlog, s_t0));
        Assert.Equal(0, backlog.Demand);
        Assert.Equal(2, backlog.ActiveKeys);

        Assert.Equal(BacklogRelease.SlotFreed, backlog.Release("a1", s_t0));
        Assert.Equal(1, backlog.Demand);
        Assert.Equal(["a2"], TakeAll(backlog, s_t0));
        Assert.Equal(1, backlog.PeakRunningPerKey);
        Assert.Equal(2, backlog.PeakRunning);
    }

    [Fact]
    public void TotalCap_HoldsAcrossKeys()
    {
        var backlog = new KeyedBacklog(s_unlimited with { PerKey = 5, Total = 2 });
        foreach (var key in new[] { "a", "b", "c" })
        {
            backlog.Enqueue(Ticket(key, 1, key), s_t0);
        }

        Assert.Equal(2, backlog.Demand); // three keys could each start one; the cap allows two
        Assert.Equal(2, TakeAll(backlog, s_t0).Count);
        Assert.Equal(0, backlog.Demand);
        Assert.Null(backlog.TakeNext(s_t0));

        backlog.Release("a", s_t0);
        Assert.Equal(["c"], TakeAll(backlog, s_t0));
    }

    [Fact]
    public void Demand_IsWhatCouldStartNow_WithinKeyLimitsAndTheCap()
    {
        var backlog = new KeyedBacklog(s_unlimited with { PerKey = 2, Total = 3 });
        for (var i = 0; i < 5; i++)
        {
            backlog.Enqueue(Ticket($"a{i}", i, "a"), s_t0);
            backlog.Enqueue(Ticket($"b{i}", i, "b"), s_t0);
        }

        Assert.Equal(3, backlog.Demand); // two per key would be four; the cap says three
        Assert.Equal(0, backlog.HeadOrder);
    }

    [Fact]
    public void Paused_NothingStarts_UntilResumed()
    {
        var backlog = new KeyedBacklog(s_unlimited with { Paused = true });
        backlog.Enqueue(Ticket("a", 1), s_t0);

        Assert.Null(backlog.TakeNext(s_t0));
        Assert.Equal(0, backlog.Demand);
        Assert.Equal(long.MaxValue, backlog.HeadOrder);

        backlog.SetLimits(s_unlimited, s_t0);
        Assert.Equal(["a"], TakeAll(backlog, s_t0));
    }

    [Fact]
    public void LimitLowered_RunsHoldingSlotsKeepThem_NoMoreStartUntilBelowTheNewLimit()
    {
        var backlog = new KeyedBacklog(s_unlimited with { PerKey = 3 });
        for (var i = 0; i < 5; i++)
        {
            backlog.Enqueue(Ticket($"r{i}", i), s_t0);
        }

        Assert.Equal(3, TakeAll(backlog, s_t0).Count);
        backlog.SetLimits(s_unlimited with { PerKey = 1 }, s_t0);
        backlog.Release("r0", s_t0);
        Assert.Null(backlog.TakeNext(s_t0));
        backlog.Release("r1", s_t0);
        backlog.Release("r2", s_t0);
        Assert.Equal(["r3"], TakeAll(backlog, s_t0));
    }

    [Fact]
    public void RateLimit_StartsPerPeriodPerKey_AndTheWindowReopensOnTheClock()
    {
        var rate = new QueueRateLimit(2, TimeSpan.FromSeconds(10));
        var backlog = new KeyedBacklog(s_unlimited with { Rate = rate });
        for (var i = 0; i < 4; i++)
        {
            backlog.Enqueue(Ticket($"a{i}", i, "a"), s_t0);
        }

        backlog.Enqueue(Ticket("b0", 0, "b"), s_t0);

        Assert.Equal(["a0", "b0", "a1"], TakeAll(backlog, s_t0));
        Assert.Equal(s_t0 + rate.Period, backlog.NextDueAt);

        // Slots freed do not reopen the window: only time does.
        backlog.Release("a0", s_t0.AddSeconds(1));
        backlog.Release("a1", s_t0.AddSeconds(1));
        Assert.Null(backlog.TakeNext(s_t0.AddSeconds(1)));

        var reopened = s_t0 + rate.Period;
        backlog.OnClock(reopened);
        Assert.Equal(["a2", "a3"], TakeAll(backlog, reopened));
    }

    [Fact]
    public void TimeToLive_ExpiredRunsLeaveWithoutASlot()
    {
        var backlog = new KeyedBacklog(s_unlimited with { PerKey = 0 });
        backlog.Enqueue(Ticket("short", 1, expiresAt: s_t0.AddSeconds(5)), s_t0);
        backlog.Enqueue(Ticket("long", 2, expiresAt: s_t0.AddMinutes(5)), s_t0);
        Assert.Equal(s_t0.AddSeconds(5), backlog.NextDueAt);

        Assert.Empty(backlog.ExpireDue(s_t0.AddSeconds(4)));
        Assert.Equal(["short"], backlog.ExpireDue(s_t0.AddSeconds(5)));
        Assert.Equal(1, backlog.Queued);
        Assert.Equal(0, backlog.Running);
    }

    [Fact]
    public void TakeNext_HeadWhoseTimeToLiveRanOut_TakenAsExpired()
    {
        var backlog = new KeyedBacklog(s_unlimited);
        backlog.Enqueue(Ticket("stale", 1, expiresAt: s_t0.AddSeconds(1)), s_t0);
        backlog.Enqueue(Ticket("fresh", 2), s_t0);

        Assert.Equal(["expired:stale", "fresh"], TakeAll(backlog, s_t0.AddSeconds(2)));
        Assert.Equal(1, backlog.Running);
    }

    [Fact]
    public void Release_WaitingRunLeavesTheBacklog_UnknownRunIsNotHere()
    {
        var backlog = new KeyedBacklog(s_unlimited with { PerKey = 0 });
        backlog.Enqueue(Ticket("a", 1), s_t0);

        Assert.Equal(BacklogRelease.LeftBacklog, backlog.Release("a", s_t0));
        Assert.Equal(BacklogRelease.NotHere, backlog.Release("a", s_t0));
        Assert.Equal(0, backlog.Queued);
        Assert.Equal(0, backlog.ActiveKeys);
    }

    [Fact]
    public void AddRunning_CountsAgainstItsKeyLimit()
    {
        var backlog = new KeyedBacklog(s_unlimited with { PerKey = 1 });
        backlog.AddRunning("executing", "k", s_t0);
        backlog.Enqueue(Ticket("next", 1, "k"), s_t0);

        Assert.Null(backlog.TakeNext(s_t0));
        backlog.Release("executing", s_t0);
        Assert.Equal(["next"], TakeAll(backlog, s_t0));
    }
}
