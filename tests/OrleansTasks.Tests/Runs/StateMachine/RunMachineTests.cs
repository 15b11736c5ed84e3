using OrleansTasks.Execution;
using OrleansTasks.Journal;
using OrleansTasks.Queues;
using OrleansTasks.Runs;
using OrleansTasks.Runs.StateMachine;
using OrleansTasks.Waitpoints;

namespace OrleansTasks.Tests.Runs.StateMachine;

/// <summary>
/// The run machine on a fake clock: Trigger.dev's status table walked event by event (DELAYED → QUEUED → DEQUEUED →
/// EXECUTING ⇄ WAITING → final), retry timing, delays, time to live, waits and suspension, an owner lost with its
/// silo, and late or duplicated messages that must never move a run backwards.
/// </summary>
public sealed class RunMachineTests
{
    private static readonly TimeSpan s_short = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan s_long = TimeSpan.FromMinutes(5);

    [Fact]
    public void Trigger_NoDelay_QueuesNowAndAsksForASlotInQueueTimeOrder()
    {
        var run = new MachineHarness(new TriggerOptions { Priority = 10, Ttl = TimeSpan.FromMinutes(1) });
        var now = run.Clock.GetUtcNow();

        Assert.Equal(RunStatus.Queued, run.State.Status);
        Assert.Equal("silo-a", run.State.Owner);
        Assert.Equal(new QueueTicket("run_1", null, now.ToUnixTimeMilliseconds() * 1000 - 10_000_000, now.AddMinutes(1)), run.AskedTicket);
    }

    [Fact]
    public void Trigger_ShortDelay_IsHeldHere_AndAsksItsQueueAheadForItsMoment_WithATimerAsBackstop()
    {
        var run = new MachineHarness(new TriggerOptions { Delay = s_short, Ttl = TimeSpan.FromMinutes(1), Priority = 10 });
        var due = run.Clock.GetUtcNow() + s_short;

        Assert.Equal(RunStatus.Delayed, run.State.Status);
        Assert.Equal("silo-a", run.State.Owner);
        Assert.Equal(new QueueTicket("run_1", null, QueueOrders.Of(due, 10), due.AddMinutes(1), NotBefore: due), run.AskedTicket);
        Assert.Equal(new SetTimer(RunTimer.Due, s_short + RunMachine.AheadBackstop), run.Single<SetTimer>());
    }

    [Fact]
    public void ShortDelay_GrantedAtItsMoment_StartsInOneStep_QueuedAsOfItsMoment()
    {
        var run = new MachineHarness(new TriggerOptions { Delay = s_short, Ttl = TimeSpan.FromMinutes(1) });
        var due = run.Clock.GetUtcNow() + s_short;

        run.Advance(s_short + TimeSpan.FromMilliseconds(40));
        run.Grant();

        Assert.Equal(RunStatus.Executing, run.State.Status);
        Assert.Equal(QueueOrders.Of(due, 0), run.State.QueueOrder);
        Assert.Null(run.State.WakeAt);
        Assert.Single(run.State.Attempts);
        Assert.Contains(new SetTimer(RunTimer.Due, Due: null), run.Last.OfType<SetTimer>());
        Assert.True(run.Has<StartExecution>());
        Assert.Single(run.Last.OfType<Persist>());
        Assert.False(run.Has<AskForSlot>(), "the slot came from the ticket sent ahead");
    }

    [Fact]
    public void ShortDelay_GrantedPastItsTimeToLive_Expires()
    {
        var run = new MachineHarness(new TriggerOptions { Delay = s_short, Ttl = TimeSpan.FromSeconds(1) });

        run.Advance(s_short + TimeSpan.FromSeconds(1));
        run.Grant();

        Assert.Equal(RunStatus.Expired, run.State.Status);
        Assert.Empty(run.State.Attempts);
    }

    [Fact]
    public void ShortDelay_NoGrantByTheBackstop_QueuesTheOrdinaryWay_WithItsTtlCountingFromItsMoment()
    {
        var run = new MachineHarness(new TriggerOptions { Delay = s_short, Ttl = TimeSpan.FromMinutes(1) });
        var due = run.Clock.GetUtcNow() + s_short;

        run.Advance(s_short + RunMachine.AheadBackstop);
        run.Feed(run.Machine.Resume);

        Assert.Equal(RunStatus.Queued, run.State.Status);
        Assert.Equal(new QueueTicket("run_1", null, QueueOrders.Of(due, 0), due.AddMinutes(1)), run.AskedTicket);
        Assert.Null(run.AskedTicket.NotBefore);
    }

    [Fact]
    public void ShortDelay_GrantedAheadOfItsMoment_ArmsTheStartClock_WritingNothing_AndRecordsTheClocksStart()
    {
        var run = new MachineHarness(new TriggerOptions { Delay = s_short, Ttl = TimeSpan.FromMinutes(1), Tags = ["a"] });
        var due = run.Clock.GetUtcNow() + s_short;

        // The queue grants runs that asked ahead a moment before theirs.
        run.Advance(s_short - TimeSpan.FromMilliseconds(800));
        var grantedAt = run.Clock.GetUtcNow();
        run.Grant();

        Assert.Equal(RunStatus.Delayed, run.State.Status);
        Assert.True(run.Machine.IsArmed);
        var arm = run.Single<ArmExecution>();
        Assert.Equal(due, arm.At);
        Assert.Equal((1, 0, "run_1"), (arm.Request.Attempt, arm.Request.Execution, arm.Request.RunId));
        Assert.Equal(["a"], arm.Request.Tags);
        Assert.Empty(arm.Request.Journal);
        Assert.False(run.Has<Persist>(), "arming writes nothing: the run is DELAYED until its code starts");
        Assert.False(run.Has<ReleaseSlot>());
        Assert.False(run.Has<SetTimer>(), "the backstop armed when it asked ahead stays");

        // Nothing to record before the clock starts it.
        run.Feed(run.Machine.SettleArmedStart);
        Assert.Equal(RunStatus.Delayed, run.State.Status);
        Assert.Empty(run.Last);

        run.Advance(TimeSpan.FromMilliseconds(800));
        run.ClockReachesMoment();
        run.Advance(TimeSpan.FromMilliseconds(30));
        run.Feed(run.Machine.SettleArmedStart);

        Assert.Equal(RunStatus.Executing, run.State.Status);
        Assert.False(run.Machine.IsArmed);
        var attempt = Assert.Single(run.State.Attempts);
        Assert.Equal((due, grantedAt), (attempt.StartedAt, attempt.DequeuedAt));
        Assert.Equal(due, run.State.StartedAt);
        Assert.Equal(QueueOrders.Of(due, 0), run.State.QueueOrder);
        Assert.Null(run.State.WakeAt);
        Assert.Single(run.Last.OfType<Persist>());
        Assert.Contains(new SetTimer(RunTimer.Due, Due: null), run.Last.OfType<SetTimer>());
        Assert.False(run.Has<StartExecution>(), "the clock started the code already");
        Assert.True(run.Machine.IsLive);

        run.Report(AttemptOutcomeKind.Succeeded);
        Assert.Equal(RunStatus.Completed, run.State.Status);
    }

    [Fact]
    public void ShortDelay_GrantedFarAheadByThisClock_HandsTheSlotBack_AndQueuesAtItsMoment()
    {
        var delay = RunMachine.ArmWindow + TimeSpan.FromSeconds(1);
        Assert.True(delay < MachineHarness.SuspendThreshold, "held here, not suspended");
        var run = new MachineHarness(new TriggerOptions { Delay = delay });

        // The queue's silo clock runs far ahead of this one's.
        run.Grant();

        Assert.Equal(RunStatus.Delayed, run.State.Status);
        Assert.False(run.Machine.IsArmed);
        Assert.Equal(ReleaseSlot.Committed, run.Single<ReleaseSlot>());
        Assert.Equal(new SetTimer(RunTimer.Due, delay), run.Single<SetTimer>());

        QueuesTheOrdinaryWayAfter(run, delay);
    }

    [Fact]
    public void Armed_ASecondGrant_ChangesNothing()
    {
        var run = Armed();

        run.Grant();

        Assert.Empty(run.Last);
        Assert.True(run.Machine.IsArmed);
    }

    [Fact]
    public void Armed_CancelledBeforeItsMoment_TakesTheStartBack_AndHandsTheSlotBack()
    {
        var run = Armed();

        run.Feed(() =>
        {
            run.Machine.WithdrawArmedStart();
            run.Machine.Cancel(codeStopsHere: false);
        });

        Assert.Equal(RunStatus.Canceled, run.State.Status);
        Assert.Null(run.Armed);
        Assert.Empty(run.State.Attempts);
        Assert.True(run.Has<ReleaseSlot>());
    }

    [Fact]
    public void Armed_CancelledJustAfterTheClockStartedIt_MeetsAnExecutingRun()
    {
        var run = Armed();
        run.Advance(TimeSpan.FromMilliseconds(500));
        run.ClockReachesMoment();

        run.Feed(() =>
        {
            run.Machine.WithdrawArmedStart();
            run.Machine.Cancel(codeStopsHere: true);
        });

        Assert.Equal(RunStatus.Canceled, run.State.Status);
        var attempt = Assert.Single(run.State.Attempts);
        Assert.Equal(AttemptStatus.Canceled, attempt.Status);
        Assert.True(run.Has<ReleaseSlot>());
    }

    [Fact]
    public void Armed_Rescheduled_TakesTheStartBack_AndItsSlot_ThenQueuesAtTheNewMoment()
    {
        var run = Armed();
        var later = TimeSpan.FromSeconds(3);

        var effects = run.Feed(() => run.Machine.Reschedule(run.Clock.GetUtcNow() + later));

        Assert.Null(run.Armed);
        Assert.False(run.Machine.IsArmed);
        Assert.Equal(ReleaseSlot.Committed, effects[0]);
        Assert.Equal(new SetTimer(RunTimer.Due, later), run.Single<SetTimer>());
        QueuesTheOrdinaryWayAfter(run, later);
    }

    [Fact]
    public void Armed_RescheduledAfterTheClockStartedIt_IsRefused_AsAnExecutingRun()
    {
        var run = Armed();
        run.Advance(TimeSpan.FromMilliseconds(500));
        run.ClockReachesMoment();

        var error = Assert.Throws<InvalidRunOperationException>(() => run.Machine.Reschedule(run.Clock.GetUtcNow().AddMinutes(1)));

        Assert.Equal(RunStatus.Executing, error.Status);
        Assert.Equal(RunStatus.Executing, run.State.Status);
    }

    [Fact]
    public void Armed_TheClockSilentByTheBackstop_TakesTheStartBack_AndQueuesTheOrdinaryWay()
    {
        var run = Armed();

        run.Advance(TimeSpan.FromMilliseconds(500) + RunMachine.AheadBackstop);
        run.Feed(run.Machine.Resume);

        Assert.Null(run.Armed);
        Assert.Equal(RunStatus.Queued, run.State.Status);
        Assert.Null(run.AskedTicket.NotBefore);

        // The queue still holds its slot, so it grants it again at once.
        run.Grant();
        Assert.Equal(RunStatus.Executing, run.State.Status);
        Assert.True(run.Has<StartExecution>());
    }

    [Fact]
    public void Armed_TheAttemptsReportArrivingFirst_FindsTheStartRecorded()
    {
        var run = Armed();
        run.Advance(TimeSpan.FromMilliseconds(500));
        run.ClockReachesMoment();

        // The grain records the start before any event: the report of a quick attempt may overtake the clock's notice.
        run.Feed(run.Machine.SettleArmedStart);
        run.Report(AttemptOutcomeKind.Succeeded);

        Assert.Equal(RunStatus.Completed, run.State.Status);
        Assert.Equal(AttemptStatus.Completed, Assert.Single(run.State.Attempts).Status);
    }

    [Fact]
    public void Armed_TagsOrMetadataChanged_ArmsAgainWithThem()
    {
        var run = Armed();

        run.Feed(() => run.Machine.TagsAdded(["late"]));

        Assert.Contains("late", run.Single<ArmExecution>().Request.Tags);
        Assert.Contains("late", run.Armed!.Request.Tags);
        Assert.True(run.Machine.IsArmed);
    }

    [Fact]
    public void Armed_ActivationGoingAway_TakesTheStartBack_AndLeavesTheRunForTheSupervisor()
    {
        var run = Armed();

        run.Feed(() =>
        {
            run.Machine.WithdrawArmedStart();
            run.Machine.Deactivating();
        });

        Assert.Null(run.Armed);
        Assert.Equal(RunStatus.Delayed, run.State.Status);
        Assert.Null(run.State.Owner);
    }

    /// <summary>A run delayed 2 s, granted half a second before its moment: its start is armed on the start clock.</summary>
    private static MachineHarness Armed()
    {
        var run = new MachineHarness(new TriggerOptions { Delay = s_short });
        run.Advance(s_short - TimeSpan.FromMilliseconds(500));
        run.Grant();
        Assert.True(run.Machine.IsArmed);
        Assert.NotNull(run.Armed);
        return run;
    }

    [Fact]
    public void ShortDelay_CancelledAfterAskingAhead_TakesItsTicketBack()
    {
        var run = new MachineHarness(new TriggerOptions { Delay = s_short });

        run.Feed(() => run.Machine.Cancel(codeStopsHere: false));

        Assert.Equal(RunStatus.Canceled, run.State.Status);
        Assert.True(run.Has<ReleaseSlot>());
    }

    [Fact]
    public void ShortDelay_Rescheduled_TakesItsTicketBackFirst_ThenQueuesTheOrdinaryWayAtTheNewMoment()
    {
        var run = new MachineHarness(new TriggerOptions { Delay = s_short });
        var later = TimeSpan.FromSeconds(3);

        var effects = run.Feed(() => run.Machine.Reschedule(run.Clock.GetUtcNow() + later));

        Assert.Equal(ReleaseSlot.Committed, effects[0]);
        Assert.Equal(new SetTimer(RunTimer.Due, later), run.Single<SetTimer>());
        Assert.False(run.Has<AskForSlot>());

        // A grant for the old ticket, sent before it was taken back, is handed back.
        run.Advance(s_short);
        run.Grant();
        Assert.Equal(RunStatus.Delayed, run.State.Status);
        Assert.Equal(ReleaseSlot.Committed, run.Single<ReleaseSlot>());

        QueuesTheOrdinaryWayAfter(run, later - s_short);
    }

    /// <summary>Its timer fires after <paramref name="by"/>: the run enters its queue with an ordinary ticket.</summary>
    private static void QueuesTheOrdinaryWayAfter(MachineHarness run, TimeSpan by)
    {
        run.Advance(by);
        run.Feed(run.Machine.Resume);
        Assert.Equal(RunStatus.Queued, run.State.Status);
        Assert.Null(run.AskedTicket.NotBefore);
    }

    [Fact]
    public void ShortDelay_TimerFiringAMomentEarly_ArmsAgainWithoutAWrite()
    {
        var run = new MachineHarness(new TriggerOptions { Delay = s_short });
        var due = run.Clock.GetUtcNow() + s_short;

        // A timer counts whole milliseconds on a coarser clock than the wall clock's, so it may fire just before.
        run.Advance(s_short - TimeSpan.FromMilliseconds(3));
        run.Feed(run.Machine.Resume);

        Assert.Equal(RunStatus.Delayed, run.State.Status);
        Assert.Equal(due, run.State.WakeAt);
        Assert.Equal(new SetTimer(RunTimer.Due, TimeSpan.FromMilliseconds(3) + RunMachine.AheadBackstop), run.Single<SetTimer>());
        Assert.False(run.Has<Persist>(), "nothing changed, so nothing is written (an awaited write would hold the run behind a whole batch)");
        Assert.False(run.Has<AskForSlot>());
    }

    [Fact]
    public void Trigger_LongDelay_IsWrittenSuspended_AndAnEarlyWakeWaitsAgain()
    {
        var run = new MachineHarness(new TriggerOptions { Delay = s_long });
        var due = run.Clock.GetUtcNow() + s_long;

        Assert.Equal(RunStatus.Delayed, run.State.Status);
        Assert.Null(run.State.Owner);
        Assert.Equal(new ScheduleWake(due), run.Single<ScheduleWake>());
        Assert.True(run.Has<LetGo>());

        run.Advance(TimeSpan.FromMinutes(1));
        run.Feed(run.Machine.Resume);
        Assert.Equal(RunStatus.Delayed, run.State.Status);
        Assert.Equal(due, run.State.WakeAt);
    }

    [Fact]
    public void Reschedule_OnlyADelayedRun_AndToThePastQueuesAtOnce()
    {
        var delayed = new MachineHarness(new TriggerOptions { Delay = s_long });
        delayed.Feed(() => delayed.Machine.Reschedule(delayed.Clock.GetUtcNow().AddSeconds(-1)));
        Assert.Equal(RunStatus.Queued, delayed.State.Status);
        Assert.True(delayed.Has<AskForSlot>());

        var queued = new MachineHarness();
        var error = Assert.Throws<InvalidRunOperationException>(() => queued.Machine.Reschedule(queued.Clock.GetUtcNow().AddMinutes(1)));
        Assert.Contains("only a DELAYED run", error.Message);
        Assert.Equal(RunStatus.Queued, queued.State.Status);
    }

    [Fact]
    public void Debounce_PushesTheStartBack_NeverPastItsDeadline_AndTrailingTakesTheLatestPayload()
    {
        var run = new MachineHarness(new TriggerOptions { Delay = TimeSpan.FromSeconds(3) });
        run.State.DebounceDeadline = run.Clock.GetUtcNow().AddSeconds(4);

        run.Advance(TimeSpan.FromSeconds(0.5));
        Assert.True(run.Machine.Debounce(run.Clock.GetUtcNow().AddSeconds(3), trailing: null));
        run.Feed(() => { });
        Assert.Equal(run.Clock.GetUtcNow().AddSeconds(3), run.State.WakeAt);
        Assert.Equal("{}", run.State.PayloadJson);

        run.Advance(TimeSpan.FromSeconds(2));
        var trailing = new DebouncedTrigger("""{"n":3}""", ["late"], MaxAttempts: 1, MaxDuration: null, MachinePreset.Small1x);
        Assert.True(run.Machine.Debounce(run.Clock.GetUtcNow().AddSeconds(3), trailing));
        run.Feed(() => { });
        Assert.Equal(run.State.DebounceDeadline, run.State.WakeAt);
        Assert.Equal(("""{"n":3}""", true, 1), (run.State.PayloadJson, run.State.PayloadChanged, run.State.MaxAttempts));

        run.Advance(TimeSpan.FromSeconds(1.5));
        run.Feed(run.Machine.Resume);
        Assert.Equal(RunStatus.Queued, run.State.Status);
        Assert.False(run.Machine.Debounce(run.Clock.GetUtcNow().AddSeconds(3), trailing: null));
    }

    [Fact]
    public void Grant_StartsAttemptOne_AndTheRecordGoesOutWithoutHoldingItUp()
    {
        var run = new MachineHarness();
        run.Start();

        var start = run.Single<StartExecution>();
        Assert.Equal((1, 0), (start.Request.Attempt, start.Request.Execution));
        Assert.Equal(new Persist(Await: false), run.Single<Persist>());
        // DEQUEUED is passed through within the grant: the execution starts in the same turn.
        Assert.Equal([RunStatus.Queued, RunStatus.Executing], run.Statuses);
        Assert.Null(run.State.ExpiresAt);
    }

    [Fact]
    public void Success_CompletesCommitted_MakesTheParentDueInTheSameWrite_ThenTellsIt()
    {
        var run = new MachineHarness(parentRunId: "run_parent", parentWaitKey: "0");
        run.Start();
        run.Report(AttemptOutcomeKind.Succeeded);

        Assert.Equal(RunStatus.Completed, run.State.Status);
        Assert.Equal("42", run.State.OutputJson);
        Assert.Null(run.State.Owner);
        var persist = run.Single<Persist>();
        Assert.True(persist.Await);
        Assert.Equal(["run_parent"], persist.WakeRuns!);
        Assert.True(run.Has<ReleaseSlot>());
        var notice = run.Single<NotifyWaiter>();
        Assert.Equal(("run_parent", RunStatus.Completed), (notice.RunId, notice.Notification.Result.Status));
        Assert.True(run.Last.IndexOf(persist) < run.Last.IndexOf(notice), "the parent is told only after the end is committed");
        Assert.False(run.Has<RunFinalHooks>());
    }

    [Fact]
    public void Failure_RetriesByThePolicy_AShortDelayHeldHere_ThenAFreshAttempt()
    {
        var run = new MachineHarness();
        run.Start();
        run.Feed(() => run.Machine.StepDone(run.Op(JournalOpKind.Step, "0")));
        run.Report(AttemptOutcomeKind.Failed);

        var delay = MachineHarness.Retry.GetDelay(1, 0);
        Assert.Equal(RunStatus.Queued, run.State.Status);
        Assert.Equal(run.Clock.GetUtcNow() + delay, run.State.WakeAt);
        Assert.Equal(new SetTimer(RunTimer.Due, delay), run.Last.OfType<SetTimer>().Single(t => t.Timer == RunTimer.Due));
        Assert.True(run.Has<ReleaseSlot>());

        // Granted before the retry is due (a stale grant): nothing starts.
        run.Grant();
        Assert.Single(run.State.Attempts);

        run.Advance(delay);
        run.Feed(run.Machine.Resume);
        run.Start();
        Assert.Equal(2, run.State.CurrentAttempt!.Number);
        Assert.Empty(run.State.Journal);
        Assert.Equal(1, Assert.Single(run.State.History).Attempt);
        Assert.Equal("0", Assert.Single(run.State.History[0].Entries).Position);
    }

    [Fact]
    public void History_KeepsTheLatestAttemptsJournals_EachBounded()
    {
        var run = new MachineHarness(new TriggerOptions { MaxAttempts = TaskLimits.MaxAttemptJournals + 3 });
        for (var attempt = 1; attempt <= TaskLimits.MaxAttemptJournals + 2; attempt++)
        {
            run.Start();
            var entries = attempt == TaskLimits.MaxAttemptJournals + 2 ? TaskLimits.MaxAttemptJournalEntries + 7 : 1;
            for (var i = 0; i < entries; i++)
            {
                run.Feed(() => run.Machine.StepDone(run.Op(JournalOpKind.Step, i.ToString(System.Globalization.CultureInfo.InvariantCulture))));
            }

            run.Report(AttemptOutcomeKind.Failed, retryAt: run.Clock.GetUtcNow());
            run.Feed(run.Machine.Resume);
        }

        run.Start();
        Assert.Equal(TaskLimits.MaxAttemptJournals, run.State.History.Count);
        Assert.Equal(3, run.State.History[0].Attempt);
        var last = run.State.History[^1];
        Assert.Equal((TaskLimits.MaxAttemptJournals + 2, TaskLimits.MaxAttemptJournalEntries, 7), (last.Attempt, last.Entries.Count, last.Dropped));
    }

    [Fact]
    public void Failure_TheExecutionsRetryTimeWins_AndTheLastAttemptFailsTheRun()
    {
        var run = new MachineHarness();
        run.Start();
        var chosen = run.Clock.GetUtcNow().AddMinutes(30);
        run.Report(AttemptOutcomeKind.Failed, retryAt: chosen);
        Assert.Equal(chosen, run.State.WakeAt);
        Assert.Null(run.State.Owner);
        Assert.Equal(new ScheduleWake(chosen), run.Single<ScheduleWake>());

        run.Advance(TimeSpan.FromMinutes(30));
        run.Feed(run.Machine.Resume);
        run.Start();
        run.Report(AttemptOutcomeKind.Failed);
        run.Advance(TimeSpan.FromMinutes(1));
        run.Feed(run.Machine.Resume);
        run.Start();
        run.Report(AttemptOutcomeKind.Failed, retryAt: run.Clock.GetUtcNow().AddSeconds(5));

        Assert.Equal(RunStatus.Failed, run.State.Status);
        Assert.Equal(3, run.State.Attempts.Count);
    }

    [Fact]
    public void Failure_NotRetryable_FailsAtOnce()
    {
        var run = new MachineHarness();
        run.Start();
        run.Report(AttemptOutcomeKind.Failed, retryable: false);
        Assert.Equal(RunStatus.Failed, run.State.Status);
    }

    [Theory]
    [InlineData(nameof(AttemptOutcomeKind.TimedOut), RunStatus.TimedOut)]
    [InlineData(nameof(AttemptOutcomeKind.Canceled), RunStatus.Canceled)]
    [InlineData(nameof(AttemptOutcomeKind.Succeeded), RunStatus.Completed)]
    public void Report_EndsTheRunWithItsStatus(string outcome, RunStatus expected)
    {
        var kind = Enum.Parse<AttemptOutcomeKind>(outcome);
        var run = new MachineHarness();
        run.Start();
        run.Report(kind);
        Assert.Equal(expected, run.State.Status);
        Assert.Equal(kind == AttemptOutcomeKind.Succeeded ? AttemptStatus.Completed : kind == AttemptOutcomeKind.TimedOut ? AttemptStatus.TimedOut : AttemptStatus.Canceled,
            run.State.CurrentAttempt!.Status);
    }

    [Fact]
    public void LateAndDuplicatedMessages_NeverMoveTheRunBackwards()
    {
        var run = new MachineHarness();
        run.Start();
        run.Report(AttemptOutcomeKind.Failed);
        run.Advance(TimeSpan.FromMinutes(1));
        run.Feed(run.Machine.Resume);
        run.Start();

        // Attempt 1's report again, a second grant, a stale execution's journal call.
        run.Report(AttemptOutcomeKind.Succeeded, attempt: 1, execution: 0);
        Assert.Equal(RunStatus.Executing, run.State.Status);
        Assert.Empty(run.Last);
        run.Grant();
        Assert.Equal(2, run.State.Attempts.Count);
        Assert.Equal(JournalOpResult.StaleExecution, run.Machine.Recorded(run.Op(JournalOpKind.Step, "0") with { Attempt = 1 }));

        run.Report(AttemptOutcomeKind.Succeeded);
        var finished = run.State.UpdatedAt;
        foreach (var late in new Action[]
        {
            () => run.Machine.AttemptReported(new AttemptOutcome { Attempt = 2, Kind = AttemptOutcomeKind.Failed, EndedAt = run.Clock.GetUtcNow() }),
            () => run.Machine.SlotGranted(run.Clock.GetUtcNow()),
            run.Machine.Resume,
            () => run.Machine.Cancel(codeStopsHere: false),
            run.Machine.Expire,
            () => run.Machine.ChildEnded(new ChildNotification("0", 0, new ChildRunResult("run_child", "task-b", RunStatus.Completed, "1", null))),
        })
        {
            run.Feed(late);
            Assert.Equal(RunStatus.Completed, run.State.Status);
            Assert.Equal(finished, run.State.UpdatedAt);
            Assert.DoesNotContain(run.Last, e => e is Persist or StartExecution or AskForSlot);
        }

        Assert.Equal(JournalOpResult.StaleExecution, run.Machine.Recorded(run.Op(JournalOpKind.Step, "9")));
    }

    [Fact]
    public void Cancel_WhileQueued_GivesTheSlotBack_AndRunsTheFailureHooksHere()
    {
        var run = new MachineHarness();
        run.Feed(() => run.Machine.Cancel(codeStopsHere: false));

        Assert.Equal(RunStatus.Canceled, run.State.Status);
        Assert.True(run.Has<ReleaseSlot>());
        Assert.Equal(RunStatus.Canceled, run.Single<RunFinalHooks>().Request.FinalFailure!.Status);
    }

    [Fact]
    public void Cancel_WhileExecutingHere_LeavesTheHooksToTheStoppingCode_AndCancelsChildrenItWaitsFor()
    {
        var run = new MachineHarness();
        run.Start();
        run.Feed(() => run.Machine.ChildrenTriggered(run.Op(JournalOpKind.TriggerAndWait, "0"), [new RunHandle("run_c1", "task-b"), new RunHandle("run_c2", "task-b")],
            ["task-b", "task-b"], "batch_1", new Dictionary<int, ChildRunResult> { [1] = new("run_c2", "task-b", RunStatus.Completed, "1", null) }));
        run.Feed(() => run.Machine.Cancel(codeStopsHere: true));

        Assert.Equal(RunStatus.Canceled, run.State.Status);
        Assert.Equal(AttemptStatus.Canceled, run.State.CurrentAttempt!.Status);
        Assert.False(run.Has<RunFinalHooks>());
        Assert.Equal(new CancelChild("run_c1"), run.Single<CancelChild>());
    }

    [Fact]
    public void Ttl_AGrantAfterItPassed_ExpiresTheRun_AndTheQueueSayingSoBeforeChangesNothing()
    {
        var run = new MachineHarness(new TriggerOptions { Ttl = TimeSpan.FromSeconds(10) });
        run.Feed(run.Machine.Expire);
        Assert.Equal(RunStatus.Queued, run.State.Status);

        run.Advance(TimeSpan.FromSeconds(10));
        run.Grant();
        Assert.Equal(RunStatus.Expired, run.State.Status);
        Assert.Empty(run.State.Attempts);
        Assert.Equal(TaskRunErrorCodes.Expired, run.State.Error!.Code);
    }

    [Fact]
    public void ShortTimedWait_KeepsTheSlotAndATimer_ThenDeliversItsEnd()
    {
        var run = new MachineHarness();
        run.Start();
        var due = run.Clock.GetUtcNow() + s_short;
        var result = run.Machine.TimedWaitStarted(run.Op(JournalOpKind.Wait, "0", due));
        run.Feed(() => { });

        Assert.Equal(JournalOpStatus.Pending, result.Status);
        Assert.Equal(RunStatus.Executing, run.State.Status);
        Assert.Equal(new SetTimer(RunTimer.Wait, s_short), run.Last.OfType<SetTimer>().Single(t => t.Timer == RunTimer.Wait));
        Assert.False(run.Has<ReleaseSlot>());

        run.Advance(s_short);
        run.Feed(() => run.Machine.WaitTimerDue(run.Machine.CompleteDueTimedWaits()));
        Assert.Equal("0", run.Single<DeliverResult>().Key);
        Assert.Equal(RunStatus.Executing, run.State.Status);
    }

    [Fact]
    public void LongTimedWait_GivesTheSlotUp_SuspendsAtOnce_AndResumesAheadOfNewWork()
    {
        var run = new MachineHarness();
        run.Start();
        var due = run.Clock.GetUtcNow() + s_long;
        run.Feed(() => run.Machine.TimedWaitStarted(run.Op(JournalOpKind.Wait, "0", due)));

        Assert.Equal(RunStatus.Waiting, run.State.Status);
        Assert.True(run.Has<ReleaseSlot>());
        Assert.Equal(new SetTimer(RunTimer.Suspend, TimeSpan.Zero), run.Last.OfType<SetTimer>().Single(t => t.Timer == RunTimer.Suspend));

        run.Feed(run.Machine.SuspendTimerDue);
        var suspend = run.Single<SuspendExecution>();
        run.Report(AttemptOutcomeKind.Suspended, suspend.Attempt, suspend.Execution);
        Assert.Null(run.State.Owner);
        Assert.Equal(due, run.State.WakeAt);
        Assert.Equal(new ScheduleWake(due), run.Single<ScheduleWake>());
        Assert.True(run.Has<LetGo>());

        run.Advance(s_long);
        run.Feed(run.Machine.Resume);
        Assert.Equal(new CheckWaits(WaitCheck.Resume), run.Single<CheckWaits>());
        run.Feed(() => run.Machine.WaitsChecked(WaitCheck.Resume, run.Machine.CompleteDueTimedWaits()));
        Assert.Equal(run.State.QueueOrder - QueueOrders.ResumeCredit, run.AskedTicket.Order);
        Assert.True(run.State.ResumeRequested);

        run.Grant();
        var replay = run.Single<StartExecution>().Request;
        Assert.Equal((1, 1), (replay.Attempt, replay.Execution));
        Assert.Equal(JournalOpStatus.Completed, replay.Journal["0"].Result.Status);
        Assert.Equal(RunStatus.Executing, run.State.Status);
    }

    [Fact]
    public void ChildWait_WhileLive_TakesTheSlotBackWhenTheChildEnds_ThenDelivers()
    {
        var run = new MachineHarness();
        run.Start();
        run.Feed(() => run.Machine.ChildrenTriggered(run.Op(JournalOpKind.TriggerAndWait, "0"), [new RunHandle("run_c1", "task-b")], ["task-b"], null, null));
        Assert.Equal(RunStatus.Waiting, run.State.Status);
        Assert.Equal(new SetTimer(RunTimer.Suspend, MachineHarness.SuspendThreshold), run.Last.OfType<SetTimer>().Single(t => t.Timer == RunTimer.Suspend));

        // A notice for a child this wait does not have is ignored.
        run.Feed(() => run.Machine.ChildEnded(new ChildNotification("0", 0, new ChildRunResult("run_other", "task-b", RunStatus.Completed, "1", null))));
        Assert.Empty(run.Last);

        run.Feed(() => run.Machine.ChildEnded(new ChildNotification("0", 0, new ChildRunResult("run_c1", "task-b", RunStatus.Completed, "1", null))));
        Assert.True(run.Has<AskForSlot>());
        run.Grant();
        Assert.Equal(RunStatus.Executing, run.State.Status);
        Assert.Equal("0", run.Single<DeliverResult>().Key);
        Assert.False(run.Has<StartExecution>());
    }

    [Fact]
    public void Replay_WithAChildStillPending_GivesTheSlotUpAndSuspendsAgainAfterTheThreshold()
    {
        var run = new MachineHarness();
        run.Start();
        run.Feed(() => run.Machine.ChildrenTriggered(run.Op(JournalOpKind.TriggerAndWait, "0"), [new RunHandle("run_c1", "task-b")], ["task-b"], null, null));
        run.Feed(() => run.Machine.ChildrenTriggered(run.Op(JournalOpKind.TriggerAndWait, "1"), [new RunHandle("run_c2", "task-b")], ["task-b"], null, null));
        run.Feed(run.Machine.SuspendTimerDue);
        run.Report(AttemptOutcomeKind.Suspended);
        run.Feed(() => run.Machine.WaitsChecked(WaitCheck.Suspended, completed: false));

        // The first child ends: the run replays, and the second is still pending.
        run.Feed(() => run.Machine.ChildEnded(new ChildNotification("0", 0, new ChildRunResult("run_c1", "task-b", RunStatus.Completed, "1", null))));
        run.Feed(() => run.Machine.WaitsChecked(WaitCheck.Resume, completed: true));
        run.Grant();

        Assert.True(run.Has<StartExecution>());
        Assert.Equal(RunStatus.Waiting, run.State.Status);
        Assert.True(run.Has<ReleaseSlot>());
        Assert.Equal(new SetTimer(RunTimer.Suspend, MachineHarness.SuspendThreshold), run.Last.OfType<SetTimer>().Single(t => t.Timer == RunTimer.Suspend));
    }

    [Fact]
    public void ChildWait_Suspended_RechecksItsChildrenAfterTheWrite_AndWakesToRecheckLater()
    {
        var run = new MachineHarness();
        run.Start();
        run.Feed(() => run.Machine.ChildrenTriggered(run.Op(JournalOpKind.TriggerAndWait, "0"), [new RunHandle("run_c1", "task-b")], ["task-b"], null, null));
        run.Advance(MachineHarness.SuspendThreshold);
        run.Feed(run.Machine.SuspendTimerDue);
        run.Report(AttemptOutcomeKind.Suspended);

        Assert.Equal(run.Clock.GetUtcNow() + RunMachine.WaitRecheck, run.State.WakeAt);
        Assert.True(run.Single<Persist>().Await);
        Assert.Equal(new CheckWaits(WaitCheck.Suspended), run.Last[^1]);

        // The child had ended before the write: found by the check, so the run asks for its slot at once.
        run.Feed(() => run.Machine.WaitsChecked(WaitCheck.Suspended, run.Machine.ChildFoundEnded("0", 0, new ChildRunResult("run_c1", "task-b", RunStatus.Failed, null, new TaskRunError("X", "x")))));
        Assert.True(run.Has<AskForSlot>());
        Assert.Equal(RunStatus.Waiting, run.State.Status);
    }

    [Fact]
    public void TokenWait_AbandonedByTheCode_TakesTheSlotBackBeforeTheCodeHearsOfIt_AndLeavesTheToken()
    {
        var run = new MachineHarness();
        run.Start();
        var token = new WaitpointToken { Id = "wp_1", Status = WaitpointStatus.Waiting, CreatedAt = run.Clock.GetUtcNow(), TimeoutAt = run.Clock.GetUtcNow() + s_short };
        run.Feed(() => run.Machine.TokenWaitStarted(run.Op(JournalOpKind.WaitToken, "0"), token));
        Assert.Equal(RunStatus.Waiting, run.State.Status);

        JournalOpResult answer = null!;
        run.Feed(() => answer = run.Machine.WaitAbandoned(run.Op(JournalOpKind.WaitToken, "0") with { Abandon = true }));

        Assert.True(answer.Abandoned);
        Assert.Equal(JournalOpStatus.Completed, answer.Status);
        Assert.True(run.State.Journal[0] is { Completed: true, Abandoned: true });
        Assert.Equal(new RemoveTokenWaiter("wp_1"), run.Single<RemoveTokenWaiter>());
        Assert.True(run.Has<AskForSlot>());
        Assert.False(run.Has<DeliverResult>()); // the code goes on only once the run holds its slot again

        run.Grant();
        Assert.Equal(RunStatus.Executing, run.State.Status);
        Assert.True(run.Single<DeliverResult>().Result.Abandoned);
        Assert.Equal(new SetTimer(RunTimer.Wait, Due: null), run.Last.OfType<SetTimer>().Single(t => t.Timer == RunTimer.Wait));

        // The token completing later finds nothing waiting.
        run.Feed(() => run.Machine.TokenSettled("0", token with { Status = WaitpointStatus.Completed, OutputJson = "1" }));
        Assert.Empty(run.Last);
    }

    [Fact]
    public void TimedWait_KeepingTheSlot_AbandonedByTheCode_IsDeliveredAtOnce()
    {
        var run = new MachineHarness();
        run.Start();
        run.Feed(() => run.Machine.TimedWaitStarted(run.Op(JournalOpKind.Wait, "0", run.Clock.GetUtcNow() + s_short)));
        Assert.Equal(RunStatus.Executing, run.State.Status);

        run.Feed(() => run.Machine.WaitAbandoned(run.Op(JournalOpKind.Wait, "0") with { Abandon = true }));

        Assert.True(run.Single<DeliverResult>().Result.Abandoned);
        Assert.False(run.Has<AskForSlot>());
        Assert.Equal(new SetTimer(RunTimer.Wait, Due: null), run.Last.OfType<SetTimer>().Single(t => t.Timer == RunTimer.Wait));
    }

    [Fact]
    public void WaitAbandoned_AfterTheWaitEnded_KeepsItsResult_AndFromAStaleExecution_IsRefused()
    {
        var run = new MachineHarness();
        run.Start();
        run.Feed(() => run.Machine.TimedWaitStarted(run.Op(JournalOpKind.Wait, "0", run.Clock.GetUtcNow() + s_short)));
        run.Advance(s_short);
        run.Feed(() => run.Machine.WaitTimerDue(run.Machine.CompleteDueTimedWaits()));

        var late = run.Machine.WaitAbandoned(run.Op(JournalOpKind.Wait, "0") with { Abandon = true });
        var stale = run.Machine.WaitAbandoned(run.Op(JournalOpKind.Wait, "0") with { Abandon = true, Execution = run.State.Execution + 1 });

        Assert.Equal(JournalOpStatus.Completed, late.Status);
        Assert.False(late.Abandoned);
        Assert.False(run.State.Journal[0].Abandoned);
        Assert.Equal(JournalOpStatus.Stale, stale.Status);
        Assert.Throws<NonDeterminismException>(() => run.Machine.WaitAbandoned(run.Op(JournalOpKind.WaitToken, "0") with { Abandon = true }));
    }

    [Fact]
    public void TokenWait_TimesOutAtItsTimeout_WithTheTimeoutError()
    {
        var run = new MachineHarness();
        run.Start();
        var token = new WaitpointToken { Id = "wp_1", Status = WaitpointStatus.Waiting, CreatedAt = run.Clock.GetUtcNow(), TimeoutAt = run.Clock.GetUtcNow() + s_short };
        run.Feed(() => run.Machine.TokenWaitStarted(run.Op(JournalOpKind.WaitToken, "0"), token));
        Assert.Equal(RunStatus.Waiting, run.State.Status);
        Assert.Equal(new SetTimer(RunTimer.Wait, s_short), run.Last.OfType<SetTimer>().Single(t => t.Timer == RunTimer.Wait));

        run.Advance(s_short);
        Assert.Equal("0", Assert.Single(run.Machine.Waits.DueTokenWaits()).Key);
        run.Feed(() => run.Machine.WaitTimerDue(run.Machine.TokenFoundSettled("0", token with { Status = WaitpointStatus.TimedOut })));
        Assert.Equal(TaskRunErrorCodes.WaitpointTimedOut, run.State.Journal[0].Error!.Code);
        Assert.True(run.Has<AskForSlot>());
    }

    [Fact]
    public void OwnerLost_ReplaysTheAttempt_AndAfterFiveLossesTheAttemptCrashesAndRetries()
    {
        var run = new MachineHarness();
        run.Start();
        for (var recovery = 1; recovery <= RunMachine.MaxCrashRecoveries; recovery++)
        {
            run.CodeStopped();
            run.Feed(run.Machine.Resume);
            run.Feed(() => run.Machine.WaitsChecked(WaitCheck.Resume, completed: false));
            Assert.Equal(recovery, run.Single<StartExecution>().Request.Execution);
            Assert.Equal(recovery, run.State.CrashRecoveries);
        }

        run.CodeStopped();
        run.Feed(run.Machine.Resume);
        run.Feed(() => run.Machine.WaitsChecked(WaitCheck.Resume, completed: false));
        Assert.Equal(AttemptStatus.Crashed, run.State.Attempts[0].Status);
        Assert.Equal(TaskRunErrorCodes.Crashed, run.State.Error!.Code);
        Assert.Equal(RunStatus.Queued, run.State.Status);
    }

    [Fact]
    public void HandOver_OnAGracefulStop_RecordsDrainedSteps_AndTheReplayIsNotACrash()
    {
        var run = new MachineHarness();
        run.Start();
        run.CodeStopped();
        run.Feed(() => run.Machine.HandOver([new RunContext.StepRecord("0", "charge", "\"ok\"")], "shutdown"));

        Assert.Null(run.State.Owner);
        Assert.Equal(run.Clock.GetUtcNow(), run.State.WakeAt);
        Assert.True(run.Single<Persist>().Await);
        Assert.Equal("\"ok\"", run.State.Journal.Single().ResultJson);

        run.Feed(run.Machine.Resume);
        run.Feed(() => run.Machine.WaitsChecked(WaitCheck.Resume, completed: false));
        Assert.Equal(0, run.State.CrashRecoveries);
        Assert.Equal(1, run.Single<StartExecution>().Request.Execution);
    }

    [Fact]
    public void Journal_AReplayGetsTheRecord_AndAnotherOperationAtThatPositionIsNonDeterminism()
    {
        var run = new MachineHarness();
        run.Start();
        run.Feed(() => run.Machine.StepDone(run.Op(JournalOpKind.Step, "0") with { Name = "charge", ResultJson = "1" }));
        Assert.True(run.Single<Persist>().Await);

        Assert.Equal("1", run.Machine.Recorded(run.Op(JournalOpKind.Step, "0") with { Name = "charge" })!.ResultJson);
        var error = Assert.Throws<NonDeterminismException>(() => run.Machine.Recorded(run.Op(JournalOpKind.Wait, "0")));
        Assert.Contains("StepAsync(\"charge\")", error.Message);
        Assert.Null(run.Machine.Recorded(run.Op(JournalOpKind.Step, "1")));
    }

    [Fact]
    public void Machine_NotServedHere_MovesBeforeAskingForASlot()
    {
        var run = new MachineHarness();
        run.ServesEveryMachine = false;
        run.Feed(run.Machine.Resume);
        Assert.True(run.Has<MoveToServingSilo>());
        Assert.False(run.Has<AskForSlot>());

        run.Feed(run.Machine.NoServingSilo);
        Assert.Contains("no live silo serves", run.State.ToTaskRun().WaitingFor);
        Assert.Equal(new SetTimer(RunTimer.MachineRecheck, RunMachine.MachineRecheck), run.Single<SetTimer>());
    }
}
