using OrleansTasks.Listing;

namespace OrleansTasks;

/// <summary>Reads, lists, replays and controls runs, and reads their logs; <see cref="ITaskClient.Runs"/>.</summary>
public interface IRunsClient
{
    /// <summary>The run as it is now: status, attempts, payload, output, error, timestamps.</summary>
    /// <exception cref="RunNotFoundException">No run has this id.</exception>
    Task<TaskRun> RetrieveAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Cancels the run: a queued run at once; an executing run is marked <c>CANCELED</c> at once and its attempt's
    /// cancellation token fires. A run that is already final is left as it is. Returns the run after the call.
    /// </summary>
    /// <exception cref="RunNotFoundException">No run has this id.</exception>
    Task<TaskRun> CancelAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>Waits until the run is final and returns it. The run pushes its end to the caller; nothing polls the database.</summary>
    /// <param name="runId">The run.</param>
    /// <param name="cancellationToken">Stops waiting (the run goes on).</param>
    /// <exception cref="RunNotFoundException">No run has this id.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first.</exception>
    Task<TaskRun> PollAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>The run as it is now, with its output typed by the handle a typed trigger returned.</summary>
    /// <exception cref="RunNotFoundException">No run has this id.</exception>
    async Task<TaskRun<TOutput>> RetrieveAsync<TOutput>(RunHandle<TOutput> handle, CancellationToken cancellationToken = default) =>
        new(await RetrieveAsync(Checked(handle).Id, cancellationToken).ConfigureAwait(false));

    /// <summary>Waits until the run is final and returns it, with its output typed by the handle a typed trigger returned.</summary>
    /// <exception cref="RunNotFoundException">No run has this id.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first.</exception>
    async Task<TaskRun<TOutput>> PollAsync<TOutput>(RunHandle<TOutput> handle, CancellationToken cancellationToken = default) =>
        new(await PollAsync(Checked(handle).Id, cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// Follows one run live, as Trigger.dev's <c>runs.subscribeToRun</c>: the run as it is now first, then the run
    /// after every change (status, attempts, metadata, tags, output), in order (<see cref="TaskRun.Version"/> grows
    /// with each). The sequence ends after the run's final state, unless <paramref name="stopOnCompletion"/> is false;
    /// breaking out of it or cancelling <paramref name="cancellationToken"/> ends the subscription.
    /// </summary>
    /// <remarks>
    /// States are pushed over Orleans streams from the silo where the run is written. A reader slower than the run
    /// skips states: it gets the newest one when it reads, never a backlog. The final state is never missed: if updates
    /// may have been lost (a silo died), the subscription reads the run again within
    /// <see cref="Hosting.TaskClientOptions.RealtimeHeartbeat"/>.
    /// </remarks>
    /// <exception cref="RunNotFoundException">No run has this id (when the sequence is first read).</exception>
    IAsyncEnumerable<TaskRun> SubscribeToRunAsync(string runId, bool stopOnCompletion = true, CancellationToken cancellationToken = default);

    /// <summary>Follows one run live (<see cref="SubscribeToRunAsync(string, bool, CancellationToken)"/>), with its output typed by the handle a typed trigger returned.</summary>
    async IAsyncEnumerable<TaskRun<TOutput>> SubscribeToRunAsync<TOutput>(
        RunHandle<TOutput> handle, bool stopOnCompletion = true, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var run in SubscribeToRunAsync(Checked(handle).Id, stopOnCompletion, cancellationToken).ConfigureAwait(false))
        {
            yield return new TaskRun<TOutput>(run);
        }
    }

    /// <summary>
    /// Follows the runs that carry at least one of <paramref name="tags"/>, as Trigger.dev's
    /// <c>runs.subscribeToRunsWithTag</c>: first those created since <paramref name="createdAfter"/> (newest first, at
    /// most 1,000), then every change of any of them and every new run with one of the tags, each run's states in
    /// order. It goes on until the caller stops reading or cancels.
    /// </summary>
    /// <param name="tags">1 to 10 tags.</param>
    /// <param name="createdAfter">Runs created before this are left out; null for the last 24 hours.</param>
    /// <param name="cancellationToken">Ends the subscription.</param>
    /// <exception cref="InvalidRequestException">No tags, more than 10, or an empty or over-long tag; thrown by this call.</exception>
    IAsyncEnumerable<TaskRun> SubscribeToRunsWithTagAsync(IReadOnlyList<string> tags, DateTimeOffset? createdAfter = null, CancellationToken cancellationToken = default);

    /// <summary>Follows the runs that carry <paramref name="tag"/>; see <see cref="SubscribeToRunsWithTagAsync(IReadOnlyList{string}, DateTimeOffset?, CancellationToken)"/>.</summary>
    IAsyncEnumerable<TaskRun> SubscribeToRunsWithTagAsync(string tag, DateTimeOffset? createdAfter = null, CancellationToken cancellationToken = default) =>
        SubscribeToRunsWithTagAsync([tag], createdAfter, cancellationToken);

    /// <summary>
    /// Follows the runs of a batch, as Trigger.dev's <c>runs.subscribeToBatch</c>: each run as it is now, then every
    /// change of each, in order per run. It goes on until the caller stops reading or cancels (stop once every run of
    /// the batch handle is final, if that is what you wait for).
    /// </summary>
    IAsyncEnumerable<TaskRun> SubscribeToBatchAsync(string batchId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads a run's data stream <paramref name="key"/> (written by its task through <c>context.Streams</c>), as
    /// Trigger.dev's <c>streams.read</c>: every chunk from <paramref name="fromOffset"/> on, in order, each once, those
    /// stored first and then live as they are written, until the stream ends (the pipe that wrote it finished) or its
    /// run does. Chunks are stored before they are read, so a reader that starts late or reads again from an offset
    /// (chunks are numbered from 0) gets every one, for <c>OrleansTasks:StreamRetention</c> (28 days by default).
    /// </summary>
    /// <exception cref="InvalidRequestException">The key is not 1 to 64 letters, digits, '-', '_', '.' or ':', or the offset is negative; thrown by this call.</exception>
    /// <exception cref="RunNotFoundException">No run has this id (when the sequence is first read).</exception>
    IAsyncEnumerable<T> ReadStreamAsync<T>(string runId, string key, long fromOffset = 0, CancellationToken cancellationToken = default);

    /// <summary>
    /// Follows a run and its data streams in one sequence, as Trigger.dev's <c>subscribeToRun(...).withStreams()</c>:
    /// the run's states (<see cref="RunUpdated"/>, as <see cref="SubscribeToRunAsync(string, bool, CancellationToken)"/>)
    /// interleaved with every chunk of each of its streams (<see cref="StreamChunkArrived"/>, from offset 0, each stream
    /// in order). With <paramref name="stopOnCompletion"/>, it ends once the run is final and every chunk has been read.
    /// </summary>
    IAsyncEnumerable<RealtimeEvent> SubscribeToRunWithStreamsAsync(string runId, bool stopOnCompletion = true, CancellationToken cancellationToken = default);

    private static RunHandle Checked(RunHandle? handle) =>
        handle ?? throw new InvalidRequestException("The run handle is null.", nameof(handle));

    /// <summary>
    /// Replaces the run's metadata with <paramref name="metadata"/> (anything that serializes to a JSON object), as
    /// Trigger.dev's <c>runs.updateMetadata</c>; the run's code sees it from its next execution. Returns the run after.
    /// </summary>
    /// <exception cref="RunNotFoundException">No run has this id.</exception>
    /// <exception cref="MetadataTooLargeException">The metadata is over 256 KB of JSON; nothing changed.</exception>
    /// <exception cref="InvalidRequestException"><paramref name="metadata"/> is not a JSON object.</exception>
    Task<TaskRun> UpdateMetadataAsync(string runId, object metadata, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds tags to a run after its trigger, as Trigger.dev's <c>tags.add</c>: those it has already are left as they are.
    /// Returns how many were new.
    /// </summary>
    /// <exception cref="RunNotFoundException">No run has this id.</exception>
    /// <exception cref="InvalidRequestException">The run would have more than 10 tags, or a tag is empty or over 128 characters; nothing changed.</exception>
    Task<int> AddTagsAsync(string runId, IReadOnlyList<string> tags, CancellationToken cancellationToken = default);

    /// <summary>Moves a <c>DELAYED</c> run's start to <paramref name="delayUntil"/>; a moment in the past queues it now.</summary>
    /// <exception cref="RunNotFoundException">No run has this id.</exception>
    /// <exception cref="InvalidRunOperationException">The run is not <c>DELAYED</c>.</exception>
    Task<TaskRun> RescheduleAsync(string runId, DateTimeOffset delayUntil, CancellationToken cancellationToken = default);

    /// <summary>Moves a <c>DELAYED</c> run's start to <paramref name="delay"/> from now.</summary>
    /// <exception cref="RunNotFoundException">No run has this id.</exception>
    /// <exception cref="InvalidRunOperationException">The run is not <c>DELAYED</c>.</exception>
    /// <exception cref="InvalidRequestException"><paramref name="delay"/> is negative (as a trigger's delay may not be).</exception>
    Task<TaskRun> RescheduleAsync(string runId, TimeSpan delay, CancellationToken cancellationToken = default);

    /// <summary>
    /// The run's log entries, what its task code wrote through <c>context.Logger</c> in every attempt, in the order they
    /// were written (newest last): the first <paramref name="limit"/> of them. A line written again by a replay of its
    /// attempt appears once. Entries are stored by the silo that ran the attempt, in the background, one database
    /// commit after they were logged; those logged on the silo that answers are always included, while the very last
    /// moment's entries from another silo (typically well under 200 ms) may not be yet. Entries older than
    /// <c>OrleansTasks:LogRetention</c> (default 30 days) have been deleted.
    /// </summary>
    /// <param name="runId">The run.</param>
    /// <param name="limit">How many entries at most, 1 to 10,000. Default: 1,000.</param>
    /// <param name="cancellationToken">Gives up waiting for the answer.</param>
    /// <returns>The entries; empty if the run has written none.</returns>
    /// <exception cref="RunNotFoundException">No run has this id.</exception>
    /// <exception cref="InvalidRequestException">
    /// <paramref name="limit"/> is outside 1 to 10,000. Thrown by this call, before anything is sent.
    /// </exception>
    Task<IReadOnlyList<RunLogEntry>> GetLogsAsync(string runId, int limit = 1000, CancellationToken cancellationToken = default);

    /// <summary>
    /// The runs matching <paramref name="filter"/>, newest first (by creation time, then id). The sequence fetches a
    /// page of <see cref="RunFilter.PageSize"/> runs at a time as it is read, each page starting after the last run of
    /// the one before. Runs created or changed while the listing is read never shift a page: no run is returned twice,
    /// and none that matches the filter throughout is missed (runs created since the first page are newer than it, so
    /// they are not returned).
    /// </summary>
    /// <param name="filter">Which runs; null for all.</param>
    /// <param name="cancellationToken">Stops reading.</param>
    /// <exception cref="InvalidRequestException">
    /// The filter is invalid: <see cref="RunFilter.PageSize"/> outside 1 to 1,000, <see cref="RunFilter.From"/> not
    /// before <see cref="RunFilter.To"/>, an empty value in a list. Thrown by this call, before anything is sent.
    /// </exception>
    IAsyncEnumerable<RunSummary> ListAsync(RunFilter? filter = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// One page of the listing <see cref="ListAsync"/> walks: up to <see cref="RunFilter.PageSize"/> runs matching
    /// <paramref name="filter"/>, newest first, after <paramref name="after"/> (null for the first page), and the cursor of
    /// the next page (null when there is none). For paging a listing across requests, as a web page does.
    /// </summary>
    /// <exception cref="InvalidRequestException">The filter is invalid (see <see cref="ListAsync"/>).</exception>
    Task<RunPage> ListPageAsync(RunFilter? filter = null, RunCursor? after = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replays a run: triggers a new run of the same task with the original's payload (or <paramref name="payloadJson"/>),
    /// linked to it by <see cref="TaskRun.ReplayOf"/>. The original is left as it is, final or not. The new run is a run
    /// of its own: no parent, batch, idempotency key or delay is carried over.
    /// </summary>
    /// <param name="runId">The run to replay.</param>
    /// <param name="payloadJson">A payload (JSON text) to use instead of the original's; null keeps the original's.</param>
    /// <param name="options">
    /// The new run's trigger options. Null takes the original's tags, queue, concurrency key and machine; options given
    /// are used as they are, with nothing taken from the original.
    /// </param>
    /// <param name="cancellationToken">Gives up waiting for the new run to be accepted.</param>
    /// <returns>The new run's handle.</returns>
    /// <exception cref="RunNotFoundException">No run has this id.</exception>
    /// <exception cref="UnknownTaskException">No silo registers the original's task any more.</exception>
    /// <exception cref="InvalidTriggerException">The payload is not JSON, or an option is out of range.</exception>
    /// <exception cref="PayloadTooLargeException">The payload is over 3 MB.</exception>
    Task<RunHandle> ReplayAsync(string runId, string? payloadJson = null, TriggerOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Cancels every unfinished run matching <paramref name="filter"/>, as <see cref="CancelAsync"/> would one by one.
    /// Runs that are final already are not matched (a status filter is narrowed to the unfinished statuses in it); a run
    /// that becomes final after it was matched but before its cancel arrives is counted in
    /// <see cref="BulkActionResult.Skipped"/>. The matching ids are all collected first, then cancelled a few at a time.
    /// </summary>
    /// <param name="filter">Which runs; <c>new RunFilter()</c> for every unfinished run.</param>
    /// <param name="cancellationToken">Stops the action; runs already cancelled stay cancelled.</param>
    /// <exception cref="InvalidRequestException">The filter is invalid, as for <see cref="ListAsync"/>.</exception>
    Task<BulkActionResult> CancelManyAsync(RunFilter filter, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replays every run matching <paramref name="filter"/>, as <see cref="ReplayAsync"/> with no payload or options
    /// would one by one (a typical use: <c>Statuses = [RunStatus.Failed]</c> after a fix). The matching ids are all
    /// collected first, so the new runs, which may match the filter too, are never replayed in turn.
    /// </summary>
    /// <param name="filter">Which runs.</param>
    /// <param name="cancellationToken">Stops the action; runs already replayed stay replayed.</param>
    /// <exception cref="InvalidRequestException">The filter is invalid, as for <see cref="ListAsync"/>.</exception>
    Task<BulkActionResult> ReplayManyAsync(RunFilter filter, CancellationToken cancellationToken = default);
}
