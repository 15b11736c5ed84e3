using OrleansTasks.Queues;

namespace OrleansTasks.Tests.Queues;

/// <summary>
/// The environment permit protocol on its own: <see cref="PermitPool"/> (the environment) and <see cref="PermitLease"/>
/// (each queue), with the messages between them delivered, lost, duplicated or reordered by hand.
/// </summary>
public sealed class PermitProtocolTests
{
    private static readonly DateTimeOffset s_t0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>A queue with no runs yet asks for permits and takes in what the pool grants it; returns all the pool sent.</summary>
    private static IReadOnlyList<PermitSend> AskAndAccept(PermitPool pool, PermitLease lease, int demand, long head, int limit)
    {
        var sends = pool.Update(lease.Report(s_t0, running: 0, demand, head, force: true)!, limit);
        foreach (var send in sends.Where(s => s.Grant.Epoch == lease.Epoch))
        {
            lease.Accept(send.Grant, s_t0, out _);
        }

        return sends;
    }

    /// <summary>Hands each send to the queue it names.</summary>
    private static void Deliver(IEnumerable<PermitSend> sends, params (string Name, PermitLease Lease)[] queues)
    {
        foreach (var send in sends)
        {
            queues.Single(q => q.Name == send.Queue).Lease.Accept(send.Grant, s_t0, out _);
        }
    }

    [Fact]
    public void TwoQueuesWantingMoreThanTheLimit_PermitsOutNeverPassIt_BestHeadServedFirst()
    {
        var pool = new PermitPool(generation: 1);
        var old = new PermitLease("old");
        var young = new PermitLease("young");

        var sends = AskAndAccept(pool, young, demand: 5, head: 200, limit: 6);
        Assert.Equal(5, Assert.Single(sends).Grant.Count);

        sends = pool.Update(old.Report(s_t0, running: 0, demand: 5, head: 100, force: true)!, limit: 6);
        Assert.Equal(1, sends.Single(s => s.Queue == "old").Grant.Count);
        Assert.Equal(6, pool.Held);
        Assert.True(pool.Contended);

        // Every holder hears of the contention, so it hands freed permits back.
        Deliver(sends, ("old", old), ("young", young));

        Assert.True(young.Contended);
        Assert.Equal(5, young.Held);

        // Young frees a slot: its permit goes back, and on to old (the better head), not to young's next run.
        young.SlotFreed();
        var report = young.Report(s_t0, running: 4, demand: 4, head: 201, force: false);
        Assert.NotNull(report);
        Assert.Equal(4, report.Held);
        sends = pool.Update(report, limit: 6);
        var toOld = sends.Single(s => s.Queue == "old" && s.Grant.Count > 0);
        Assert.Equal(1, toOld.Grant.Count);
        Assert.Equal(6, pool.Held);
    }

    [Fact]
    public void UnusedPermits_HandedBack_AndTheRestOfTheLimitGoesToOthers()
    {
        var pool = new PermitPool(generation: 1);
        var a = new PermitLease("a");
        AskAndAccept(pool, a, demand: 3, head: 1, limit: 3);
        Assert.Equal(3, a.Held);

        // Two runs finished and nothing else waits: the spare permits are kept a moment for the queue's next runs...
        var nothingWanted = a.Report(s_t0, running: 1, demand: 0, head: long.MaxValue, force: false);
        Assert.Equal((3, 0), (nothingWanted!.Held, nothingWanted.Wanted));
        Assert.Empty(pool.Update(nothingWanted, limit: 3));
        Assert.Equal(3, a.Held);
        Assert.Equal(s_t0 + PermitLease.IdleKeep, a.HandBackAt(running: 1));

        // ...then the queue keeps only what its running runs hold.
        var report = a.Report(s_t0 + PermitLease.IdleKeep, running: 1, demand: 0, head: long.MaxValue, force: false);
        Assert.NotNull(report);
        Assert.Null(a.HandBackAt(running: 1));
        Assert.Equal(1, a.Held);
        Assert.Empty(pool.Update(report, limit: 3));
        Assert.Equal(1, pool.Held);

        var b = new PermitLease("b");
        Assert.Equal(2, AskAndAccept(pool, b, demand: 5, head: 2, limit: 3).Single(s => s.Queue == "b").Grant.Count);
    }

    [Fact]
    public void BurstWhileAReportIsUnanswered_OneReport_ThenOneWithTheRestWhenTheAnswerComes()
    {
        var pool = new PermitPool(generation: 1);
        var a = new PermitLease("a");

        // The first run of the burst asks at once; the next 49 arrive before the environment answers, and wait for it.
        var first = a.Report(s_t0, running: 0, demand: 1, head: 1, force: false);
        Assert.Equal(1, first!.Wanted);
        for (var demand = 2; demand <= 50; demand++)
        {
            Assert.Null(a.Report(s_t0, running: 0, demand, head: 1, force: false));
        }

        // The answer forces the next report, which carries everything wanted meanwhile.
        var answer = Assert.Single(pool.Update(first, limit: 100));
        Assert.True(a.Accept(answer.Grant, s_t0, out var mustReport));
        Assert.True(mustReport);
        var rest = a.Report(s_t0, running: 0, demand: 50, head: 1, force: mustReport);
        Assert.Equal(49, rest!.Wanted);
        a.Accept(Assert.Single(pool.Update(rest, limit: 100)).Grant, s_t0, out _);
        Assert.Equal(50, a.Held);
        Assert.Equal(50, pool.Held);
    }

    [Fact]
    public void WhileAReportIsUnanswered_ABetterHeadUnderContention_IsStillReported()
    {
        var pool = new PermitPool(generation: 1);
        var a = new PermitLease("a");
        var b = new PermitLease("b");
        AskAndAccept(pool, a, demand: 1, head: 500, limit: 3);
        AskAndAccept(pool, b, demand: 2, head: 1, limit: 3);

        // Every permit is out: a wants more, and hears that the pool is contended.
        Deliver(pool.Update(a.Report(s_t0, running: 1, demand: 2, head: 500, force: false)!, limit: 3), ("a", a), ("b", b));

        Assert.True(a.Contended);

        // A run queued ahead of the rest changes where a freed permit goes: said at once, and again for a better one
        // although the first is still unanswered.
        Assert.Equal(10, a.Report(s_t0, running: 1, demand: 2, head: 10, force: false)!.Head);
        Assert.Equal(5, a.Report(s_t0, running: 1, demand: 2, head: 5, force: false)!.Head);
    }

    [Fact]
    public void BurstArrivingOneByOne_GrantedFromKeptPermits_WithoutAskingTheEnvironmentPerRun()
    {
        var pool = new PermitPool(generation: 1);
        var a = new PermitLease("a");
        AskAndAccept(pool, a, demand: 1, head: 1, limit: 100);
        Assert.Equal(0, a.Report(s_t0, running: 1, demand: 0, head: 1, force: false)!.Wanted); // the first run is granted

        // Each run of the burst is granted as it arrives, so the backlog is empty in between: nothing is sent.
        for (var i = 0; i < 50; i++)
        {
            var at = s_t0.AddMilliseconds(i * 10);
            Assert.Null(a.Report(at, running: 0, demand: 1, head: 1, force: false)); // arrived: the kept permit serves it
            Assert.Null(a.Report(at, running: 1, demand: 0, head: 1, force: false)); // granted
            Assert.Null(a.Report(at.AddMilliseconds(5), running: 0, demand: 0, head: 1, force: false)); // finished
        }

        Assert.Equal(1, a.Held);
    }

    [Fact]
    public void SparePermits_GoBackAtOnce_WhenOtherQueuesWait()
    {
        var pool = new PermitPool(generation: 1);
        var a = new PermitLease("a");
        var b = new PermitLease("b");
        AskAndAccept(pool, a, demand: 2, head: 1, limit: 2);

        // b finds nothing free: the pool is contended, and a hears so.
        Deliver(pool.Update(b.Report(s_t0, running: 0, demand: 1, head: 5, force: false)!, limit: 2), ("a", a), ("b", b));

        // a's runs finish: its permits go back within the instant, and on to b.
        a.SlotFreed();
        a.SlotFreed();
        var report = a.Report(s_t0, running: 0, demand: 0, head: long.MaxValue, force: false);
        Assert.Equal(0, report!.Held);
        Assert.Null(a.HandBackAt(running: 0));
        Assert.Equal(1, pool.Update(report, limit: 2).Single(s => s.Queue == "b").Grant.Count);
    }

    [Fact]
    public void BusyQueueReusingItsPermits_SendsNothing()
    {
        var pool = new PermitPool(generation: 1);
        var a = new PermitLease("a");
        AskAndAccept(pool, a, demand: 2, head: 1, limit: 10);
        Assert.NotNull(a.Report(s_t0, running: 2, demand: 0, head: long.MaxValue, force: true));

        // A run finishes and the next takes its permit: the same held count, nothing wanted.
        Assert.Null(a.Report(s_t0.AddSeconds(1), running: 2, demand: 0, head: long.MaxValue, force: false));
        Assert.Null(a.Report(s_t0.AddSeconds(30), running: 2, demand: 0, head: long.MaxValue, force: false));
    }

    [Fact]
    public void WantingMoreWhileNoneAreFree_StaysQuiet_ButSaysSoAgainAfterTheRefreshPeriod()
    {
        var pool = new PermitPool(generation: 1);
        var a = new PermitLease("a");
        var sends = AskAndAccept(pool, a, demand: 5, head: 1, limit: 2);
        Assert.Equal(0, sends.Single(s => s.Queue == "a").Grant.Free);

        // The first report after the grant says what it still wants; more demand while none are free changes nothing.
        Assert.NotNull(a.Report(s_t0, running: 2, demand: 5, head: 1, force: true));
        Assert.Null(a.Report(s_t0.AddSeconds(1), running: 2, demand: 6, head: 1, force: false));

        // A report or grant may have been lost: a queue that still wants permits says so again, now and then.
        Assert.NotNull(a.Report(s_t0 + PermitLease.DemandRefresh + TimeSpan.FromSeconds(1), running: 2, demand: 6, head: 1, force: false));
    }

    [Fact]
    public void GrantFromAReplacedEnvironment_Ignored_NewGenerationForcesAFullReport()
    {
        var a = new PermitLease("a");
        Assert.True(a.Accept(new PermitGrant(Generation: 2, a.Epoch, 0, Contended: false, Free: 5), s_t0, out var mustReport));
        Assert.True(mustReport);

        Assert.False(a.Accept(new PermitGrant(Generation: 1, a.Epoch, 3, Contended: false, Free: 5), s_t0, out _));
        Assert.Equal(0, a.Held);

        Assert.True(a.Accept(new PermitGrant(Generation: 2, a.Epoch, 0, Contended: false, Free: 5), s_t0, out mustReport));
        Assert.False(mustReport);
    }

    [Fact]
    public void GrantMeantForAnEarlierQueueActivation_NotHeld_AndThePoolStopsCountingIt()
    {
        var pool = new PermitPool(generation: 1);
        var first = new PermitLease("q");
        var sends = pool.Update(first.Report(s_t0, running: 0, demand: 3, head: 1, force: true)!, limit: 5);
        Assert.Equal(3, pool.Held);

        // The queue's silo died before the grant arrived; its next activation never sees those permits.
        var second = new PermitLease("q");
        Assert.True(second.Accept(sends[0].Grant, s_t0, out var mustReport));
        Assert.True(mustReport);
        Assert.Equal(0, second.Held);

        var report = second.Report(s_t0, running: 0, demand: 1, head: 1, force: true)!;
        sends = pool.Update(report, limit: 5);
        Assert.Equal(1, sends.Single().Grant.Count);
        Assert.Equal(1, pool.Held);
    }

    [Fact]
    public void GrantStillInFlight_CountedByThePool_UntilTheQueueSaysItArrived()
    {
        var pool = new PermitPool(generation: 1);
        var a = new PermitLease("a");
        pool.Seed("a", running: 0);
        var first = a.Report(s_t0, running: 0, demand: 4, head: 1, force: true)!;
        var sends = pool.Update(first, limit: 4);
        Assert.Equal(4, pool.Held);

        // A report made before the grant arrived says the queue holds nothing: the pool still counts the four, and
        // grants no more.
        var beforeArrival = a.Report(s_t0, running: 0, demand: 4, head: 1, force: true)!;
        Assert.DoesNotContain(pool.Update(beforeArrival, limit: 4), s => s.Grant.Count > 0);
        Assert.Equal(4, pool.Held);

        a.Accept(sends[0].Grant, s_t0, out _);
        var afterArrival = a.Report(s_t0, running: 4, demand: 0, head: long.MaxValue, force: true)!;
        pool.Update(afterArrival, limit: 4);
        Assert.Equal(4, pool.Held);
    }

    [Fact]
    public void LateReport_OvertakenByANewerOne_Ignored()
    {
        var pool = new PermitPool(generation: 1);
        var a = new PermitLease("a");
        var older = a.Report(s_t0, running: 0, demand: 3, head: 1, force: true)!;
        var newer = a.Report(s_t0, running: 0, demand: 1, head: 1, force: true)!;

        Assert.Equal(1, Assert.Single(pool.Update(newer, limit: 5)).Grant.Count);
        Assert.Empty(pool.Update(older, limit: 5));
        Assert.Equal(1, pool.Held);
        Assert.Equal(0, pool.WaitingQueues);
    }

    [Fact]
    public void SlotFreedWhileUncontended_PermitKeptForTheQueuesNextRun()
    {
        var a = new PermitLease("a");
        a.Accept(new PermitGrant(1, a.Epoch, 2, Contended: false, Free: 8), s_t0, out _);
        a.SlotFreed();
        Assert.Equal(2, a.Held);

        a.Accept(new PermitGrant(1, Guid.Empty, 0, Contended: true, Free: 0), s_t0, out _);
        a.SlotFreed();
        Assert.Equal(1, a.Held);
    }
}
