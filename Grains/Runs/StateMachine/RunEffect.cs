using OrleansTasks.Execution;
using OrleansTasks.Queues;

namespace OrleansTasks.Runs.StateMachine;

/// <summary>
/// Something the run grain does because the run machine decided it: the machine changes the run's state and lists its
/// effects, and the grain carries them out in order. Only <see cref="Persist"/> with <c>Await</c> and
/// <see cref="ReleaseSlot"/> with <c>Await</c> hold the effects after them up.
/// </summary>
internal abstract record RunEffect;

/// <summary>
/// Write the run as it is now: the one point where a change of the run becomes an update (its version is the update's
/// sequence number). <paramref name="Await"/>: the effects after it wait for the commit. <paramref name="WakeRuns"/>:
/// suspended runs made due in the same commit (the parents waiting for this run's end).
/// </summary>
internal sealed record Persist(bool Await, IReadOnlyList<string>? WakeRuns = null) : RunEffect
{
    public static readonly Persist InBackground = new(Await: false);
    public static readonly Persist Committed = new(Await: true);
}

/// <summary>Ask the run's queue for a slot (to start, or to resume ahead of new work); the grant comes back as a call.</summary>
internal sealed record AskForSlot(QueueTicket Ticket, Notices.NoticeName What) : RunEffect;

/// <summary>Give the run's slot (or its place in the backlog) back to its queue.</summary>
internal sealed record ReleaseSlot(bool Await) : RunEffect
{
    public static readonly ReleaseSlot InBackground = new(Await: false);
    public static readonly ReleaseSlot Committed = new(Await: true);
}

/// <summary>The activation's timers: the run's own (a delay, a retry, a short hold), the next pending wait's, and the suspension's.</summary>
internal enum RunTimer
{
    /// <summary>The run is due at <see cref="Storage.RunState.WakeAt"/>: it resumes.</summary>
    Due,

    /// <summary>The next timed wait (or token timeout) of the live attempt is due.</summary>
    Wait,

    /// <summary>The live attempt has waited long enough to unwind and suspend.</summary>
    Suspend,

    /// <summary>No live silo served the run's machine preset: look again.</summary>
    MachineRecheck,
}

/// <summary>Arm <paramref name="Timer"/> to fire after <paramref name="Due"/>, or stop it when <paramref name="Due"/> is null.</summary>
internal sealed record SetTimer(RunTimer Timer, TimeSpan? Due) : RunEffect;

/// <summary>Run the attempt's code: its first execution, or a replay over its journal.</summary>
internal sealed record StartExecution(AttemptRequest Request) : RunEffect;

/// <summary>
/// Arm the first attempt's execution on the silo's start clock, to start at <paramref name="At"/> (the run's moment); arming
/// it again while it has not started replaces the request.
/// </summary>
internal sealed record ArmExecution(AttemptRequest Request, DateTimeOffset At) : RunEffect;

/// <summary>Ask the live execution to unwind at a quiet moment, for a suspension; its report completes it.</summary>
internal sealed record SuspendExecution(int Attempt, int Execution) : RunEffect;

/// <summary>Hand a completed wait's result to the live execution.</summary>
internal sealed record DeliverResult(int Attempt, int Execution, string Key, JournalOpResult Result) : RunEffect;

/// <summary>Tell the supervisor the suspended run is due at <paramref name="At"/>, so it is woken on time rather than at the next scan.</summary>
internal sealed record ScheduleWake(DateTimeOffset At) : RunEffect;

/// <summary>Nothing of the run needs to stay in memory: let the activation go once idle.</summary>
internal sealed record LetGo : RunEffect
{
    public static readonly LetGo Instance = new();
}

/// <summary>An execution runs here: keep the activation while it does.</summary>
internal sealed record KeepAlive : RunEffect
{
    public static readonly KeepAlive Instance = new();
}

/// <summary>Tell a run waiting for this one how it ended; retried until it answers.</summary>
internal sealed record NotifyWaiter(string RunId, ChildNotification Notification) : RunEffect;

/// <summary>Run the failure hooks of a run that ended without its code running here.</summary>
internal sealed record RunFinalHooks(AttemptRequest Request) : RunEffect;

/// <summary>Cancel a child the ending run was waiting for.</summary>
internal sealed record CancelChild(string RunId) : RunEffect;

/// <summary>Stop waiting for a waitpoint token.</summary>
internal sealed record RemoveTokenWaiter(string TokenId) : RunEffect;

/// <summary>This silo does not serve the run's machine preset: find one that does and move there.</summary>
internal sealed record MoveToServingSilo : RunEffect
{
    public static readonly MoveToServingSilo Instance = new();
}

/// <summary>The run is final: answer the callers waiting for its end, linger briefly, then let the activation go.</summary>
internal sealed record Finished : RunEffect
{
    public static readonly Finished Instance = new();
}

/// <summary>Bring the pending waits up to date from their sources (children, tokens), then tell the machine <see cref="Why"/>.</summary>
internal sealed record CheckWaits(WaitCheck Why) : RunEffect;
