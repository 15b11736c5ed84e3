using Orleans.Concurrency;

namespace OrleansTasks.Runs;

/// <summary>
/// One run, keyed by its run id. Every status change of the run goes through this grain, which checks it against
/// the current state, so a late or duplicated message can never move a run backwards.
/// </summary>
[Alias("ot.IRunGrain")]
internal interface IRunGrain : IGrainWithStringKey
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

    /// <summary>Moves a <c>DELAYED</c> run's start to <paramref name="delayUntil"/>.</summary>
    /// <exception cref="RunNotFoundException">No run has this id.</exception>
    /// <exception cref="InvalidRunOperationException">The run is not <c>DELAYED</c>.</exception>
    [Alias("reschedule")]
    Task<TaskRun> RescheduleAsync(DateTimeOffset delayUntil);

    /// <summary>Applies metadata operations (each numbered one once); returns the metadata after them.</summary>
    /// <exception cref="MetadataTooLargeException">The metadata would be over 256 KB; nothing changed.</exception>
    [Alias("update-metadata")]
    Task<string?> UpdateMetadataAsync(Metadata.MetadataUpdate update);

    /// <summary>Adds the tags the run lacks; returns how many were new.</summary>
    /// <exception cref="InvalidRequestException">The run would have more than 10 tags, or a tag is empty or too long; nothing changed.</exception>
    [Alias("add-tags")]
    Task<int> AddTagsAsync(IReadOnlyList<string> tags);

    /// <summary>Records that the run has a data stream with this key (its first chunk is about to be stored).</summary>
    /// <exception cref="StreamLimitException">The run has the most streams a run may have.</exception>
    [Alias("open-stream")]
    Task OpenStreamAsync(string key);

    /// <summary>
    /// Engine: a debounced trigger matched this run. While the run is still <c>DELAYED</c> its start moves to
    /// <paramref name="delayUntil"/> (never past its debounce deadline), in trailing mode it takes the trigger's payload
    /// and options, and the handle is returned; otherwise null, and the trigger makes a new run.
    /// </summary>
    [Alias("debounce")]
    Task<RunHandle?> DebounceAsync(TriggerRequest request, DateTimeOffset delayUntil);

    /// <summary>
    /// Engine: a parent whose triggered child matched this run by idempotency key waits for it too; it is told of the
    /// end as the parent that triggered the run is. Returns the run as it is now.
    /// </summary>
    [Alias("add-waiter")]
    Task<TaskRun> AddWaiterAsync(string parentRunId, string waitKey, int index);

    /// <summary>Engine: the run's queue found it past its time to live before it started.</summary>
    [Alias("expire")]
    Task ExpireAsync();

    /// <summary>Engine: the run's queue grants it a concurrency slot. Idempotent: a second grant of one slot changes nothing.</summary>
    [Alias("grant")]
    Task GrantSlotAsync(DateTimeOffset grantedAt);

    /// <summary>
    /// Engine: the silo's start clock started attempt <paramref name="attempt"/>, which this run armed when its slot
    /// was granted ahead of its moment; the run records the start. Idempotent.
    /// </summary>
    [Alias("clock-started")]
    Task ClockStartedAsync(int attempt);

    /// <summary>Engine: the silo executing an attempt reports how it ended.</summary>
    [Alias("report")]
    Task ReportAttemptAsync(AttemptOutcome outcome);

    /// <summary>
    /// Engine: the executing attempt records a durable operation, or asks for the record of one it replays.
    /// </summary>
    [Alias("journal")]
    Task<JournalOpResult> JournalAsync(JournalOp op);

    /// <summary>
    /// Engine: a child this run waits for has ended. Idempotent; the child sends it until it is answered, never from
    /// inside its own turn (the parent may at that moment be asking the child how it is).
    /// </summary>
    [Alias("child-finished")]
    Task OnChildFinishedAsync(ChildNotification notification);

    /// <summary>Engine: a waitpoint token this run waits for was completed or timed out. Idempotent, and sent the same way.</summary>
    [Alias("token-completed")]
    Task OnTokenCompletedAsync(string key, WaitpointToken token);

    /// <summary>
    /// Engine: the supervisor found the run orphaned (its silo died) or due (a timer came round). The run picks up
    /// from its durable state: a due retry or wait proceeds, a crashed attempt is recorded and retried.
    /// </summary>
    [Alias("resume")]
    Task ResumeAsync();
}
