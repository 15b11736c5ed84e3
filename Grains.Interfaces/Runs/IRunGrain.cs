using Orleans.Concurrency;

namespace OrleansTasks.Runs;

/// <summary>
/// One run, keyed by its run id. Every status change of the run goes through this grain, which checks it against
/// the current state, so a late or duplicated message can never move a run backwards.
/// </summary>
[Alias("ot.IRunGrain")]
public interface IRunGrain : IGrainWithStringKey
{
    /// <summary>Creates the run, or returns the existing run's handle if this id was triggered before.</summary>
    /// <exception cref="UnknownTaskException">The task is not registered.</exception>
    /// <exception cref="InvalidTriggerException">The payload or an option is invalid.</exception>
    /// <exception cref="PayloadTooLargeException">The payload is over the limit.</exception>
    [Alias("trigger")]
    Task<RunHandle> TriggerAsync(TriggerRequest request);

    /// <summary>The run as it is now.</summary>
    /// <exception cref="RunNotFoundException">No run has this id.</exception>
    [Alias("get")]
    Task<TaskRun> GetAsync();

    /// <summary>
    /// Cancels the run: a queued run at once, an executing one through its cancellation token. A final run is
    /// left as it is. Returns the run after the call.
    /// </summary>
    /// <exception cref="RunNotFoundException">No run has this id.</exception>
    [Alias("cancel")]
    Task<TaskRun> CancelAsync();

    /// <summary>
    /// Returns the run as soon as it is final, or null if it is not final within <paramref name="maxWait"/>.
    /// Interleaves with every other call, so waiters never hold the run up.
    /// </summary>
    /// <exception cref="RunNotFoundException">No run has this id.</exception>
    [Alias("wait-final"), AlwaysInterleave]
    Task<TaskRun?> WaitForFinalAsync(TimeSpan maxWait);

    /// <summary>Engine: the run's queue grants it a concurrency slot.</summary>
    [Alias("grant"), OneWay]
    Task GrantSlotAsync();

    /// <summary>Engine: the silo executing an attempt reports how it ended.</summary>
    [Alias("report")]
    Task ReportAttemptAsync(AttemptOutcome outcome);

    /// <summary>
    /// Engine: the executing attempt records a durable operation, or asks for the record of one it replays.
    /// </summary>
    [Alias("journal")]
    Task<JournalOpResult> JournalAsync(JournalOp op);

    /// <summary>
    /// Engine: a child this run waits for has ended. One-way: the parent may at that moment be asking the child how
    /// it is; a notice lost with a silo is made good by the parent's reconciliation when it resumes or rechecks.
    /// </summary>
    [Alias("child-finished"), OneWay]
    Task OnChildFinishedAsync(ChildNotification notification);

    /// <summary>Engine: a waitpoint token this run waits for was completed or timed out. One-way, for the same reason.</summary>
    [Alias("token-completed"), OneWay]
    Task OnTokenCompletedAsync(string key, WaitpointToken token);

    /// <summary>
    /// Engine: the supervisor found the run orphaned (its silo died) or due (a timer came round). The run picks up
    /// from its durable state: a due retry or wait proceeds, a crashed attempt is recorded and retried.
    /// </summary>
    [Alias("resume")]
    Task ResumeAsync();
}
