using OrleansTasks.Listing;

namespace OrleansTasks.Storage;

/// <summary>
/// Where runs are kept: the <c>runs</c> table in PostgreSQL, or memory in development mode. Writes from many runs
/// that arrive together are grouped into one commit.
/// </summary>
internal interface IRunStore
{
    /// <summary>Whether runs outlive this process: false for the in-memory store of development mode.</summary>
    bool IsDurable { get; }

    /// <summary>
    /// Deletes up to <paramref name="batchSize"/> runs that finished before <paramref name="cutoff"/> (a final status, and
    /// created and finished before it) and returns their ids. Fewer than <paramref name="batchSize"/> means none are left.
    /// </summary>
    Task<IReadOnlyList<string>> DeleteFinishedBeforeAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken = default);

    /// <summary>Inserts a new run; false if a run with that id exists already (nothing is changed then).</summary>
    Task<bool> TryInsertAsync(RunRow row, CancellationToken cancellationToken = default);

    /// <summary>
    /// Saves a run that exists; a row older (by version) than the stored one is ignored. The row's
    /// <see cref="RunRow.WakeRunIds"/> that are suspended and waiting are made due now, in the same commit.
    /// </summary>
    Task SaveAsync(RunRow row, CancellationToken cancellationToken = default);

    /// <summary>Makes those of <paramref name="runIds"/> that are suspended and waiting due now, so the supervisor wakes them.</summary>
    Task WakeAsync(IReadOnlyList<string> runIds, CancellationToken cancellationToken = default);

    /// <summary>The stored run, or null.</summary>
    Task<RunRow?> LoadAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The runs of a queue that are in it now: queued and not waiting for a later time, waiting runs that asked for a
    /// slot to resume, or holding a slot. Used to rebuild a queue's backlog after its grain moved.
    /// </summary>
    Task<IReadOnlyList<QueueEntry>> LoadQueueAsync(string queue, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>How many runs hold a slot (<c>DEQUEUED</c> or <c>EXECUTING</c>), per queue: how the environment's limit is rebuilt.</summary>
    Task<IReadOnlyDictionary<string, int>> CountSlotHoldersAsync(CancellationToken cancellationToken = default);

    /// <summary>The newest run of the task with this idempotency key hash, or null.</summary>
    Task<string?> FindByIdempotencyKeyAsync(string taskId, string keyHash, CancellationToken cancellationToken = default);

    /// <summary>The names of the queues that have runs waiting for a slot (to start, or to resume).</summary>
    Task<IReadOnlyList<string>> FindQueuesWithBacklogAsync(CancellationToken cancellationToken = default);

    /// <summary>Suspended runs (no owner) due after <paramref name="after"/> and at or before <paramref name="until"/>, soonest first.</summary>
    Task<IReadOnlyList<DueRun>> FindDueAsync(DateTimeOffset after, DateTimeOffset until, int limit, CancellationToken cancellationToken = default);

    /// <summary>Runs owned by a silo that is not in <paramref name="liveSilos"/>.</summary>
    Task<IReadOnlyList<string>> FindOrphansAsync(IReadOnlyCollection<string> liveSilos, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// Up to <paramref name="limit"/> runs matching <paramref name="filter"/> (its page size is not looked at), newest
    /// first by creation time and then id, both descending, after <paramref name="after"/>.
    /// </summary>
    Task<IReadOnlyList<RunSummary>> ListAsync(RunFilter filter, RunCursor? after, int limit, CancellationToken cancellationToken = default);

    /// <summary>The stored version of each of <paramref name="runIds"/> that exists; one read, not one per run.</summary>
    Task<IReadOnlyList<RunVersion>> LoadVersionsAsync(IReadOnlyCollection<string> runIds, CancellationToken cancellationToken = default);
}

/// <summary>
/// A run in a queue: waiting to start (<see cref="RunStatus.Queued"/>), waiting to resume
/// (<see cref="RunStatus.Waiting"/> with <paramref name="ResumeRequested"/>), or holding a slot.
/// </summary>
internal readonly record struct QueueEntry(string RunId, RunStatus Status, long Order, string? ConcurrencyKey = null, DateTimeOffset? ExpiresAt = null, bool ResumeRequested = false)
{
    /// <summary>True if the run waits in the backlog for a slot rather than holding one.</summary>
    public bool WaitsForSlot => Status == RunStatus.Queued || (Status == RunStatus.Waiting && ResumeRequested);
}

/// <summary>A suspended run and when it is due.</summary>
internal readonly record struct DueRun(string RunId, DateTimeOffset WakeAt);
