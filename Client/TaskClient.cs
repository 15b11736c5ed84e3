using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Orleans.Runtime;
using Microsoft.Extensions.Options;
using OrleansTasks.Batches;
using OrleansTasks.Hosting;
using System.Runtime.CompilerServices;
using OrleansTasks.Queues;
using OrleansTasks.Realtime;
using OrleansTasks.Runs;
using OrleansTasks.Triggering;
using OrleansTasks.Waitpoints;

namespace OrleansTasks;

/// <summary>
/// The <see cref="ITaskClient"/>. Run ids are made here, so a trigger retried after a lost response (a timeout, a
/// gateway that went away) reaches the same run grain and gets the same run back instead of a duplicate.
/// </summary>
internal sealed partial class TaskClient(
    IGrainFactory grains,
    TimeProvider time,
    IOptions<TaskClientOptions> options,
    ClusterConnection? connection = null,
    IServiceProvider? services = null) : ITaskClient, IRunsClient, IWaitpointsClient, IQueuesClient
{
    private const int TokenPageSize = 100;

    private static readonly TimeSpan s_pollSlice = TimeSpan.FromSeconds(20);

    public IRunsClient Runs => this;

    public IWaitpointsClient Waitpoints => this;

    public IQueuesClient Queues => this;

    public ISchedulesClient Schedules => field ??= new SchedulesClient(this, grains);

    /// <summary>The realtime subscriptions (the HTTP API serves its realtime shapes from them).</summary>
    internal RealtimeSubscriptions Realtime => field ??= new(this, grains, services, options.Value, time);

    private DataStreamReader DataStreams => field ??= new(this, grains, () => Realtime.Topics, options.Value, time);

    public ITaskReference<TTask> For<TTask>()
        where TTask : ITaskDefinition => new TaskReference<TTask>(this);

    internal Task<RunHandle> TriggerTypedAsync(Type taskType, Type payloadType, object? payload, TriggerOptions? options, CancellationToken cancellationToken)
    {
        var request = new TriggerRequest
        {
            TaskType = taskType.FullName,
            PayloadJson = SerializePayload(taskType, payloadType, payload),
            Options = options ?? new TriggerOptions(),
        };
        return TriggerCoreAsync(request, taskType.Name, cancellationToken);
    }

    public Task<IReadOnlyList<TaskInfo>> ListTasksAsync(CancellationToken cancellationToken = default) =>
        CallAsync(() => grains.Reference<Catalog.ITaskCatalogGrain>(0).ListAsync(), cancellationToken);

    public Task<IReadOnlyList<string>> CheckPayloadAsync(string taskId, string payloadJson, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(taskId);
        ArgumentNullException.ThrowIfNull(payloadJson);
        return CallAsync(() => grains.Reference<Catalog.ITaskCatalogGrain>(0).CheckPayloadAsync(taskId, payloadJson), cancellationToken);
    }

    public Task<RunHandle> TriggerAsync(string taskId, string payloadJson, TriggerOptions? options = null, CancellationToken cancellationToken = default)
    {
        Guard.NotBlank(taskId);
        ArgumentNullException.ThrowIfNull(payloadJson);
        var request = new TriggerRequest { TaskId = taskId, PayloadJson = payloadJson, Options = options ?? new TriggerOptions() };
        return TriggerCoreAsync(request, taskId, cancellationToken);
    }

    internal Task<BatchHandle> BatchTriggerTypedAsync(
        Type taskType, Type payloadType, IEnumerable<(object? Payload, TriggerOptions? Options)> items, CancellationToken cancellationToken)
    {
        var requests = items.Select(item => new TriggerRequest
        {
            TaskType = taskType.FullName,
            PayloadJson = SerializePayload(taskType, payloadType, item.Payload),
            Options = item.Options ?? new TriggerOptions(),
        }).ToList();
        return BatchTriggerCoreAsync(requests, taskType.Name, cancellationToken);
    }

    public Task<BatchHandle> BatchTriggerAsync(string taskId, IEnumerable<JsonBatchItem> items, CancellationToken cancellationToken = default)
    {
        Guard.NotBlank(taskId);
        ArgumentNullException.ThrowIfNull(items);
        var requests = items.Select(item => new TriggerRequest
        {
            TaskId = taskId,
            PayloadJson = item.PayloadJson ?? throw new InvalidRequestException("A batch item's PayloadJson is null; send \"null\" for an empty payload.", nameof(items)),
            Options = item.Options ?? new TriggerOptions(),
        }).ToList();
        return BatchTriggerCoreAsync(requests, taskId, cancellationToken);
    }

    public Task<TaskRun> RetrieveAsync(string runId, CancellationToken cancellationToken = default)
    {
        Guard.NotBlank(runId);
        return CallAsync(() => grains.Reference<IRunGrain>(runId).GetAsync(), cancellationToken);
    }

    public IAsyncEnumerable<TaskRun> SubscribeToRunAsync(string runId, bool stopOnCompletion = true, CancellationToken cancellationToken = default) =>
        Realtime.ToRun(runId, stopOnCompletion, cancellationToken);

    public IAsyncEnumerable<TaskRun> SubscribeToRunsWithTagAsync(IReadOnlyList<string> tags, DateTimeOffset? createdAfter = null, CancellationToken cancellationToken = default) =>
        Realtime.ToRunsWithTag(tags, createdAfter, cancellationToken);

    public IAsyncEnumerable<TaskRun> SubscribeToBatchAsync(string batchId, CancellationToken cancellationToken = default) =>
        Realtime.ToBatch(batchId, cancellationToken);

    public IAsyncEnumerable<T> ReadStreamAsync<T>(string runId, string key, long fromOffset = 0, CancellationToken cancellationToken = default) =>
        DataStreams.Read<T>(runId, key, fromOffset, cancellationToken);

    public IAsyncEnumerable<RealtimeEvent> SubscribeToRunWithStreamsAsync(string runId, bool stopOnCompletion = true, CancellationToken cancellationToken = default)
    {
        Guard.NotBlank(runId);
        return new RunWithStreamsSubscription(Realtime, DataStreams).ReadAsync(runId, stopOnCompletion, cancellationToken);
    }

    public Task<TaskRun> CancelAsync(string runId, CancellationToken cancellationToken = default)
    {
        Guard.NotBlank(runId);
        return CallAsync(() => grains.Reference<IRunGrain>(runId).CancelAsync(), cancellationToken);
    }

    public async Task<TaskRun> PollAsync(string runId, CancellationToken cancellationToken = default)
    {
        Guard.NotBlank(runId);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var run = await CallAsync(() => grains.Reference<IRunGrain>(runId).WaitForFinalAsync(s_pollSlice), cancellationToken).ConfigureAwait(false);
            if (run is not null)
            {
                return run;
            }
        }
    }

    public async Task<TaskRun> UpdateMetadataAsync(string runId, object metadata, CancellationToken cancellationToken = default)
    {
        Guard.NotBlank(runId);
        ArgumentNullException.ThrowIfNull(metadata);
        var json = JsonSerializer.Serialize(metadata, metadata.GetType(), TaskJson.Options);
        Metadata.MetadataDocument.CheckWhole(json); // a mistake or an oversized object fails here, before anything is sent
        var update = new Metadata.MetadataUpdate(null, 0, [new Metadata.MetadataOp(Metadata.MetadataOpKind.Replace, null, json)]);
        await CallAsync(() => grains.Reference<IRunGrain>(runId).UpdateMetadataAsync(update), cancellationToken).ConfigureAwait(false);
        return await RetrieveAsync(runId, cancellationToken).ConfigureAwait(false);
    }

    public Task<int> AddTagsAsync(string runId, IReadOnlyList<string> tags, CancellationToken cancellationToken = default)
    {
        Guard.NotBlank(runId);
        ArgumentNullException.ThrowIfNull(tags);
        if (TaskLimits.TagProblem(tags) is { } problem)
        {
            throw new InvalidRequestException($"Tags were not added to run {runId}: {problem}.", nameof(tags));
        }

        return CallAsync(() => grains.Reference<IRunGrain>(runId).AddTagsAsync([.. tags]), cancellationToken);
    }

    public Task<TaskRun> RescheduleAsync(string runId, DateTimeOffset delayUntil, CancellationToken cancellationToken = default)
    {
        Guard.NotBlank(runId);
        if (delayUntil - time.GetUtcNow() > TaskLimits.MaxDelay)
        {
            throw new InvalidRequestException(
                $"delayUntil is {delayUntil:O}, more than {TaskLimits.MaxDelay.TotalDays:N0} days away; a run may be delayed at most that long, as a trigger's Delay.", nameof(delayUntil));
        }

        return CallAsync(() => grains.Reference<IRunGrain>(runId).RescheduleAsync(delayUntil), cancellationToken);
    }

    public Task<TaskRun> RescheduleAsync(string runId, TimeSpan delay, CancellationToken cancellationToken = default)
    {
        Guard.NotNegative(delay);
        return RescheduleAsync(runId, time.GetUtcNow() + delay, cancellationToken);
    }

    public Task<IReadOnlyList<QueueInfo>> ListAsync(CancellationToken cancellationToken = default) =>
        CallAsync(() => grains.Reference<IQueueDirectoryGrain>(0).ListAsync(), cancellationToken);

    Task<QueueInfo> IQueuesClient.RetrieveAsync(string name, CancellationToken cancellationToken) =>
        CallAsync(() => Queue(name).GetInfoAsync(), cancellationToken);

    public Task<QueueInfo> PauseAsync(string name, CancellationToken cancellationToken = default) =>
        CallAsync(() => Queue(name).PauseAsync(), cancellationToken);

    public Task<QueueInfo> ResumeAsync(string name, CancellationToken cancellationToken = default) =>
        CallAsync(() => Queue(name).ResumeAsync(), cancellationToken);

    public Task<QueueInfo> OverrideConcurrencyLimitAsync(string name, int limit, CancellationToken cancellationToken = default)
    {
        Guard.InRange(limit, 0, QueueOptions.MaxConcurrencyLimit);
        return CallAsync(() => Queue(name).OverrideConcurrencyLimitAsync(limit), cancellationToken);
    }

    public Task<QueueInfo> ResetConcurrencyLimitAsync(string name, CancellationToken cancellationToken = default) =>
        CallAsync(() => Queue(name).ResetConcurrencyLimitAsync(), cancellationToken);

    private IQueueGrain Queue(string name)
    {
        Guard.NotBlank(name);
        return grains.Reference<IQueueGrain>(name);
    }

    public Task<WaitpointToken> CreateTokenAsync(WaitTokenOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new WaitTokenOptions();
        WaitpointValidation.Validate(options);
        return options.IdempotencyKey is { } key
            ? CallAsync(() => grains.Reference<IWaitpointKeyGrain>(key).GetOrCreateAsync(options), cancellationToken)
            : CallAsync(() => grains.Reference<IWaitpointTokenGrain>(RunIds.NewTokenId(time.GetUtcNow())).CreateAsync(options), cancellationToken);
    }

    public Task<WaitpointToken> CompleteTokenAsync(string tokenId, object? data, CancellationToken cancellationToken = default)
    {
        Guard.NotBlank(tokenId);
        var json = JsonSerializer.Serialize(data, data?.GetType() ?? typeof(object), TaskJson.Options);
        CheckPayloadSize(tokenId, json);

        // Retried like every call: a retry whose first try did complete the token (only the answer was lost) finds it
        // completed with this very data, and returns it instead of refusing it as completed already.
        var firstTry = true;
        return CallAsync(async () =>
        {
            var grain = grains.Reference<IWaitpointTokenGrain>(tokenId);
            var isRetry = !firstTry;
            firstTry = false;
            try
            {
                return await grain.CompleteAsync(json).ConfigureAwait(false);
            }
            catch (WaitpointAlreadyCompletedException) when (isRetry)
            {
                var token = await grain.GetAsync().ConfigureAwait(false);
                if (token is { Status: WaitpointStatus.Completed } && token.OutputJson == json)
                {
                    return token;
                }

                throw;
            }
        }, cancellationToken);
    }

    public Task<WaitpointToken> RetrieveTokenAsync(string tokenId, CancellationToken cancellationToken = default)
    {
        Guard.NotBlank(tokenId);
        return CallAsync(() => grains.Reference<IWaitpointTokenGrain>(tokenId).GetAsync(), cancellationToken);
    }

    public async IAsyncEnumerable<WaitpointToken> ListTokensAsync(WaitpointTokenFilter? filter = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        filter ??= new WaitpointTokenFilter();
        WaitpointCursor? after = null;
        while (true)
        {
            var page = await CallAsync(() => grains.Reference<IWaitpointQueryGrain>(0).ListAsync(filter, after, TokenPageSize), cancellationToken).ConfigureAwait(false);
            foreach (var token in page)
            {
                yield return token;
            }

            if (page.Count < TokenPageSize)
            {
                yield break;
            }

            after = new WaitpointCursor(page[^1].CreatedAt, page[^1].Id);
        }
    }

    public async Task<WaitpointTokenPage> ListTokensPageAsync(WaitpointTokenFilter? filter = null, WaitpointCursor? after = null, int pageSize = 100, CancellationToken cancellationToken = default)
    {
        if (pageSize is < 1 or > 1000)
        {
            throw new InvalidRequestException($"The page size is {pageSize}; it must be between 1 and 1,000.", nameof(pageSize));
        }

        filter ??= new WaitpointTokenFilter();
        var page = await CallAsync(() => grains.Reference<IWaitpointQueryGrain>(0).ListAsync(filter, after, pageSize), cancellationToken).ConfigureAwait(false);
        return new WaitpointTokenPage(page, page.Count < pageSize ? null : new WaitpointCursor(page[^1].CreatedAt, page[^1].Id));
    }

    /// <summary>The caller's current span becomes the run's parent, so the run joins the caller's trace.</summary>
    private static TriggerRequest WithTraceParent(TriggerRequest request) =>
        System.Diagnostics.Activity.Current is { } activity && request.TraceParent is null ? request with { TraceParent = activity.Id } : request;

    private Task<RunHandle> TriggerCoreAsync(TriggerRequest request, string taskName, CancellationToken cancellationToken)
    {
        CheckPayloadSize(taskName, request.PayloadJson);
        request = WithTraceParent(request);
        var runId = RunIds.NewRunId(time.GetUtcNow());
        if (request.Options is { IdempotencyKey: not null } or { Debounce: not null })
        {
            // The key's grain decides whether a run is made; the gateway resolves the task and hashes the key first.
            return CallAsync(() => grains.GetGrain<ITriggerGateway>(0).TriggerAsync(request, runId), cancellationToken);
        }

        return CallAsync(() => grains.Reference<IRunGrain>(runId).TriggerAsync(request), cancellationToken);
    }

    private Task<BatchHandle> BatchTriggerCoreAsync(List<TriggerRequest> requests, string taskName, CancellationToken cancellationToken)
    {
        if (requests.Count > TaskLimits.MaxBatchItems)
        {
            throw new BatchTooLargeException(requests.Count, TaskLimits.MaxBatchItems);
        }

        if (requests.Count == 0)
        {
            throw new InvalidRequestException("A batch trigger needs at least one item.", "items");
        }

        for (var i = 0; i < requests.Count; i++)
        {
            requests[i] = WithTraceParent(requests[i]);
        }

        foreach (var request in requests)
        {
            CheckPayloadSize(taskName, request.PayloadJson);
        }

        var batchId = RunIds.NewBatchId(time.GetUtcNow());
        return CallAsync(() => grains.Reference<IBatchGrain>(batchId).TriggerAsync(requests), cancellationToken);
    }

    /// <summary>
    /// Triggers the items of batch <paramref name="batchId"/>, each of its own task, as one batch: the HTTP API's
    /// two-step batch trigger names the batch first and sends the items after. Run ids follow from the batch id and
    /// the item's index, so items sent again return the runs made the first time (<see cref="RunHandle.IsCached"/>).
    /// </summary>
    internal Task<BatchHandle> TriggerBatchItemsAsync(string batchId, IReadOnlyList<TriggerRequest> requests, CancellationToken cancellationToken)
    {
        Guard.NotBlank(batchId);
        foreach (var request in requests)
        {
            CheckPayloadSize(request.TaskId ?? batchId, request.PayloadJson);
        }

        return CallAsync(() => grains.Reference<IBatchGrain>(batchId).TriggerAsync([.. requests.Select(WithTraceParent)]), cancellationToken);
    }

    /// <summary>
    /// Calls a grain (made inside <paramref name="call"/>: grain references need the cluster's type map, which an
    /// external client has only once connected), trying again with backoff while the call fails because a silo died, the cluster is reconfiguring
    /// or no gateway answers; every call retried here is idempotent. Past the configured bound the caller gets a
    /// <see cref="ClusterUnavailableException"/>.
    /// </summary>
    internal async Task<T> CallAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        var limit = options.Value.RetryTransientFailuresFor;
        var started = time.GetTimestamp();
        if (connection is not null && !connection.Connected.IsCompletedSuccessfully)
        {
            await WaitForConnectionAsync(limit, started, cancellationToken).ConfigureAwait(false);
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call().WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (TransientFailures.IsTransient(exception) && !cancellationToken.IsCancellationRequested)
            {
                // The last wait is cut to what is left of the bound, so the caller gets the whole bound (one more try
                // at its end), never less because the next backoff step happened to be long.
                var remaining = limit - time.GetElapsedTime(started);
                if (remaining <= TimeSpan.Zero)
                {
                    if (exception is StorageException)
                    {
                        throw; // The cluster answered: it is the database that stayed out of reach.
                    }

                    throw new ClusterUnavailableException(time.GetElapsedTime(started), exception);
                }

                var delay = TransientFailures.Backoff(attempt, TimeSpan.FromSeconds(2));
                await Task.Delay(delay < remaining ? delay : remaining, time, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Waits, within the bound, for an external client's first connection to the cluster.</summary>
    private async Task WaitForConnectionAsync(TimeSpan limit, long started, CancellationToken cancellationToken)
    {
        try
        {
            await connection!.Connected.WaitAsync(limit, time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new ClusterUnavailableException(time.GetElapsedTime(started),
                connection!.LastFailure ?? new SiloUnavailableException("The client has not connected to any silo yet."));
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested && exception is not ClusterUnavailableException)
        {
            throw new ClusterUnavailableException(time.GetElapsedTime(started), exception);
        }
    }

    private static void CheckPayloadSize(string taskName, string payloadJson)
    {
        // A cheap upper bound first: most payloads are far below the limit and need no exact count.
        if (payloadJson.Length * 3L <= TaskLimits.MaxPayloadBytes)
        {
            return;
        }

        var size = Encoding.UTF8.GetByteCount(payloadJson);
        if (size > TaskLimits.MaxPayloadBytes)
        {
            throw new PayloadTooLargeException(taskName, size, TaskLimits.MaxPayloadBytes);
        }
    }

    private static string SerializePayload(Type taskType, Type payloadType, object? payload)
    {
        // The client knows the task's type here, so a payload that breaks its rules is refused before anything is sent.
        Validation.PayloadValidation.ThrowIfInvalid(taskType.Name, taskType, payloadType, payload);
        return JsonSerializer.Serialize(payload, payloadType, TaskJson.Options);
    }
}
