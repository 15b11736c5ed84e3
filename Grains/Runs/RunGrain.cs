using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansTasks.Execution;
using OrleansTasks.Hosting;
using OrleansTasks.Maintenance;
using OrleansTasks.Queues;
using OrleansTasks.Registry;
using OrleansTasks.Storage;

namespace OrleansTasks.Runs;

/// <summary>
/// One run: its status machine, its attempts, its durable state. Writes go to the run store, which group-commits
/// them with other runs' writes; on the hot path a run costs two awaited writes (accepted, finished), and the
/// write that records an attempt starting goes out without holding the attempt up.
/// </summary>
/// <remarks>
/// State is loaded lazily: a trigger inserts the new row without reading first, so creating a run costs no read.
/// Placement is random: a run executes where its grain lives, and placement by sampled load sends a whole burst of
/// triggers to whichever silo looked least loaded at the last sample.
/// </remarks>
[Orleans.Placement.RandomPlacement]
internal sealed partial class RunGrain(
    IRunStore store,
    TaskRegistry registry,
    AttemptExecutor executor,
    Notices.NoticeSender notices,
    Machines.MachineCatalog machines,
    TimeProvider time,
    IOptions<OrleansTasksOptions> options,
    ILocalSiloDetails silo,
    ILogger<RunGrain> logger) : Grain, IRunGrain, IGrainMigrationParticipant
{
    private readonly OrleansTasksOptions _options = options.Value;
    private RunState? _state;
    private bool _loaded;
    private Task? _loading;
    private List<TaskCompletionSource<TaskRun>>? _finalWaiters;

    /// <summary>Set when a cancel reached the attempt's code running here: the execution runs the final hooks as it stops.</summary>
    private bool _executionRunsFinalHooks;

    private string RunId => this.GetPrimaryKeyString();

    private string Silo { get; } = silo.SiloAddress.ToParsableString();

    public async Task<RunHandle> TriggerAsync(TriggerRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_state is null && _loading is { } inFlight)
        {
            // A read of this id is in flight (someone asked for the run before creating it); let it settle first.
            try
            {
                await inFlight;
            }
            catch (Exception exception)
            {
                LogLoadFailed(exception, RunId);
            }
        }

        if (_state is null && _loading is null)
        {
            // Everything a trigger can get wrong is checked before anything is written.
            var descriptor = registry.Resolve(request.TaskId, request.TaskType);
            var state = CreateState(request, descriptor);
            _loaded = false;
            _loading = CreateAsync(state);
        }

        // A second trigger of this id (a client retrying a call that did succeed) gets the existing run.
        var existing = await LoadExistingAsync();
        return new RunHandle(existing.Id, existing.TaskId);
    }

    private async Task CreateAsync(RunState state)
    {
        if (await store.TryInsertAsync(RunRow.From(state)))
        {
            _state = state;
            _loaded = true;
            LogTriggered(state.Id, state.TaskId, state.Queue);
            if (state.Status == RunStatus.Delayed)
            {
                HoldUntilDue();
            }
            else
            {
                Dispatch();
            }
        }
        else
        {
            _state = (await store.LoadAsync(RunId))?.ToState();
            _loaded = true;
        }
    }

    /// <summary>
    /// Records the trigger as a span, a child of the caller's (a service's span, or the parent run's attempt), and
    /// returns its context: the attempts' spans hang under it, so a run tree is one trace.
    /// </summary>
    private string? TriggerSpan(TriggerRequest request, string taskId)
    {
        ActivityContext.TryParse(request.TraceParent, null, isRemote: true, out var parent);
        using var activity = OrleansTasksTelemetry.Source.StartActivity($"trigger {taskId}", ActivityKind.Producer, parent);
        activity?.SetTag(OrleansTasksTelemetry.RunIdTag, RunId).SetTag(OrleansTasksTelemetry.TaskIdTag, taskId);
        return activity?.Id ?? request.TraceParent;
    }

    public async Task<TaskRun> GetAsync() => (await LoadExistingAsync()).ToTaskRun();

    public async Task<TaskRun?> WaitForFinalAsync(TimeSpan maxWait)
    {
        var state = await LoadExistingAsync();
        if (state.Status.IsFinal())
        {
            return state.ToTaskRun();
        }

        var waiter = new TaskCompletionSource<TaskRun>(TaskCreationOptions.RunContinuationsAsynchronously);
        (_finalWaiters ??= []).Add(waiter);
        var timeout = Task.Delay(maxWait, time);
        if (await Task.WhenAny(waiter.Task, timeout) == waiter.Task)
        {
            return await waiter.Task;
        }

        _finalWaiters?.Remove(waiter);
        return null;
    }

    public async Task<TaskRun> CancelAsync()
    {
        var state = await LoadExistingAsync();
        if (state.Status.IsFinal())
        {
            return state.ToTaskRun();
        }

        if (state.CurrentAttempt is { Status: AttemptStatus.Executing } attempt)
        {
            // Decided now, not after the save below: by then the execution may have stopped and run its hooks.
            _executionRunsFinalHooks = executor.Cancel(state.Id, attempt.Number);
            CloseAttempt(AttemptStatus.Canceled, error: null);
        }

        LogCancelled(state.Id, state.Status.ToWireName());
        await FinishAsync(RunStatus.Canceled, outputJson: null, error: null);
        return state.ToTaskRun();
    }

    private RunState CreateState(TriggerRequest request, TaskDescriptor descriptor)
    {
        var options = request.Options ?? new TriggerOptions();
        TriggerValidation.Validate(descriptor.Id, request.PayloadJson, options);
        if (options.Queue is { } queueName && registry.GetQueue(queueName) is null)
        {
            throw new InvalidTriggerException(descriptor.Id,
                $"the queue '{queueName}' is not defined. Define it with AddQueue on the silo builder or in a task's Queue, or leave Queue null for the task's own queue '{descriptor.QueueName}'.");
        }

        var now = time.GetUtcNow();
        var delayUntil = options.DelayUntil ?? (options.Delay is { } delay ? now + delay : null);
        var delayed = delayUntil > now;
        var ttl = options.Ttl is { } t && t > TimeSpan.Zero ? t : (TimeSpan?)null;
        var state = new RunState
        {
            Id = RunId,
            TaskId = descriptor.Id,
            Status = delayed ? RunStatus.Delayed : RunStatus.Queued,
            Queue = options.Queue ?? descriptor.QueueName,
            ConcurrencyKey = options.ConcurrencyKey,
            Priority = options.Priority ?? 0,
            Machine = options.Machine ?? descriptor.Machine,
            Tags = [.. options.Tags ?? []],
            BatchId = request.BatchId,
            CreatedAt = now,
            UpdatedAt = now,
            Owner = Silo,
            Version = 1,
            PayloadJson = request.PayloadJson,
            MaxAttempts = options.MaxAttempts ?? descriptor.Retry.MaxAttempts,
            Retry = descriptor.Retry,
            MaxDuration = options.MaxDuration ?? descriptor.MaxDuration,
            ParentRunId = request.ParentRunId,
            RootRunId = request.RootRunId ?? RunId,
            Depth = request.Depth,
            ParentWaitKey = request.ParentWaitKey,
            ParentWaitIndex = request.ParentWaitIndex,
            Ttl = ttl,
            IdempotencyKey = request.IdempotencyKeyHash is null ? null : options.IdempotencyKey,
            IdempotencyKeyHash = request.IdempotencyKeyHash,
            IdempotencyKeyExpiresAt = request.IdempotencyKeyHash is null ? null : now + (options.IdempotencyKeyTtl ?? IdempotencyKeys.DefaultTtl),
            DebounceKey = options.Debounce?.Key,
            DebounceDeadline = request.DebounceDeadline,
            ReplayOf = request.ReplayOf,
            TraceParent = TriggerSpan(request, descriptor.Id),
        };

        if (delayed)
        {
            // A long delay is written suspended (no owner), so the supervisor wakes it without a second write.
            state.WakeAt = delayUntil;
            if (delayUntil!.Value - now >= _options.SuspendThreshold)
            {
                state.Owner = null;
            }
        }
        else
        {
            Enqueued(state, now);
        }

        return state;
    }

    /// <summary>The run enters its queue now: its order (queue time less priority credit) and its expiry are set from this moment.</summary>
    private static void Enqueued(RunState state, DateTimeOffset now)
    {
        state.QueueOrder = now.ToUnixTimeMilliseconds() - state.Priority * 1000L;
        state.ExpiresAt = state.Ttl is { } ttl ? now + ttl : null;
    }

    /// <summary>
    /// Loads the state once. Calls that interleave with the load, or with a trigger's insert, wait for it; each pass
    /// of the loop awaits a task that either marks the state loaded or throws, so it never spins.
    /// </summary>
    private async Task EnsureLoadedAsync()
    {
        while (!_loaded)
        {
            var loading = _loading ??= LoadAsync();
            try
            {
                await loading;
            }
            finally
            {
                // Cleared here rather than inside the load: a store that answers synchronously finishes the load
                // before _loading is even assigned.
                if (ReferenceEquals(_loading, loading))
                {
                    _loading = null;
                }
            }
        }

        async Task LoadAsync()
        {
            _state = (await store.LoadAsync(RunId))?.ToState();
            _loaded = true;
        }
    }

    private async Task<RunState> LoadExistingAsync()
    {
        await EnsureLoadedAsync();
        if (_state is null)
        {
            DeactivateOnIdle();
            throw new RunNotFoundException(RunId);
        }

        return _state;
    }

    private void MoveTo(RunStatus status)
    {
        var state = _state!;
        RunTransitions.Ensure(state.Id, state.Status, status);
        state.Status = status;
        state.UpdatedAt = time.GetUtcNow();
    }

    /// <summary>Saves the state and waits for the commit; <paramref name="wake"/> names suspended runs to make due in the same commit.</summary>
    private Task SaveAsync(IReadOnlyList<string>? wake = null)
    {
        _state!.Version++;
        return store.SaveAsync(RunRow.From(_state) with { WakeRunIds = wake });
    }

    /// <summary>Saves the state without waiting; a later awaited save carries the same state and more if this one fails.</summary>
    private void SaveInBackground()
    {
        _state!.Version++;
        _ = ObserveAsync(store.SaveAsync(RunRow.From(_state)), _state.Id);

        async Task ObserveAsync(Task save, string runId)
        {
            try
            {
                await save;
            }
            catch (Exception exception)
            {
                LogBackgroundSaveFailed(exception, runId);
            }
        }
    }

    /// <summary>Ends every long poll now with no answer; the callers poll again.</summary>
    private void ReleaseFinalWaiters()
    {
        if (_finalWaiters is { } waiters)
        {
            _finalWaiters = null;
            foreach (var waiter in waiters)
            {
                waiter.TrySetResult(null!);
            }
        }
    }

    private void NotifyFinal()
    {
        if (_finalWaiters is not { Count: > 0 } waiters)
        {
            return;
        }

        var snapshot = _state!.ToTaskRun();
        _finalWaiters = null;
        foreach (var waiter in waiters)
        {
            waiter.TrySetResult(snapshot);
        }
    }

    private IQueueGrain Queue(RunState state) => GrainFactory.GetGrain<IQueueGrain>(state.Queue);

    private IRunSupervisorGrain Supervisor => GrainFactory.GetGrain<IRunSupervisorGrain>(0);
}

/// <summary>The checks a trigger must pass before a run is created.</summary>
internal static class TriggerValidation
{
    /// <exception cref="PayloadTooLargeException">The payload is over <see cref="TaskLimits.MaxPayloadBytes"/>.</exception>
    /// <exception cref="InvalidTriggerException">The payload is not JSON, or an option is out of range.</exception>
    public static void Validate(string taskId, string payloadJson, TriggerOptions options)
    {
        ArgumentNullException.ThrowIfNull(payloadJson);
        var size = Encoding.UTF8.GetByteCount(payloadJson);
        if (size > TaskLimits.MaxPayloadBytes)
        {
            throw new PayloadTooLargeException(taskId, size, TaskLimits.MaxPayloadBytes);
        }

        try
        {
            using var _ = JsonDocument.Parse(payloadJson);
        }
        catch (JsonException exception)
        {
            throw new InvalidTriggerException(taskId, $"the payload is not valid JSON ({exception.Message}).");
        }

        ValidateOptions(taskId, options);
    }

    public static void ValidateOptions(string taskId, TriggerOptions options)
    {
        if (options.Tags is { } tags)
        {
            if (tags.Count > TaskLimits.MaxTags)
            {
                throw new InvalidTriggerException(taskId, $"a run may have at most {TaskLimits.MaxTags} tags; {tags.Count} were given.");
            }

            foreach (var tag in tags)
            {
                if (string.IsNullOrEmpty(tag) || tag.Length > TaskLimits.MaxTagLength)
                {
                    throw new InvalidTriggerException(taskId, $"each tag must be 1 to {TaskLimits.MaxTagLength} characters; '{Shorten(tag)}' is {tag?.Length ?? 0}.");
                }
            }
        }

        if (options.MaxAttempts is < 1)
        {
            throw new InvalidTriggerException(taskId, $"MaxAttempts is {options.MaxAttempts}; it must be at least 1.");
        }

        if (options.MaxDuration is { } maxDuration && maxDuration < TaskLimits.MinMaxDuration)
        {
            throw new InvalidTriggerException(taskId, $"MaxDuration is {maxDuration}; it must be at least {TaskLimits.MinMaxDuration.TotalSeconds} seconds.");
        }

        if (options.Machine is { } machine && !Enum.IsDefined(machine))
        {
            throw new InvalidTriggerException(taskId, $"Machine is {(int)machine}, which is not a machine preset.");
        }

        if (options.Queue is { } queue && (string.IsNullOrWhiteSpace(queue) || queue.Length > QueueOptions.MaxNameLength))
        {
            throw new InvalidTriggerException(taskId, $"Queue must be 1 to {QueueOptions.MaxNameLength} characters and not blank; '{Shorten(queue)}' is {queue.Length}.");
        }

        if (options.ConcurrencyKey is { } key && (key.Length == 0 || key.Length > MaxConcurrencyKeyLength))
        {
            throw new InvalidTriggerException(taskId, $"ConcurrencyKey must be 1 to {MaxConcurrencyKeyLength} characters; it is {key.Length}.");
        }

        if (options.Priority is < 0 or > MaxPrioritySeconds)
        {
            throw new InvalidTriggerException(taskId, $"Priority is {options.Priority}; it must be between 0 and {MaxPrioritySeconds:N0} seconds (30 days).");
        }

        if (options.Delay is not null && options.DelayUntil is not null)
        {
            throw new InvalidTriggerException(taskId, "both Delay and DelayUntil are set; give one of them.");
        }

        if (options.Delay is { } delay && (delay < TimeSpan.Zero || delay > MaxDelay))
        {
            throw new InvalidTriggerException(taskId, $"Delay is {delay}; it must be between 0 and {MaxDelay.TotalDays:N0} days.");
        }

        if (options.Ttl is { } ttl && ttl != TimeSpan.Zero && ttl < TimeSpan.FromSeconds(1))
        {
            throw new InvalidTriggerException(taskId, $"Ttl is {ttl}; it must be at least 1 second, or zero for none.");
        }

        if (options.IdempotencyKey is { } idempotencyKey && (idempotencyKey.Length == 0 || idempotencyKey.Length > IdempotencyKeys.MaxKeyLength))
        {
            throw new InvalidTriggerException(taskId, $"IdempotencyKey must be 1 to {IdempotencyKeys.MaxKeyLength:N0} characters; it is {idempotencyKey.Length:N0}.");
        }

        if (options.IdempotencyKeyTtl is { } keyTtl && keyTtl < TimeSpan.FromSeconds(1))
        {
            throw new InvalidTriggerException(taskId, $"IdempotencyKeyTtl is {keyTtl}; it must be at least 1 second.");
        }

        if (options.IdempotencyKeyScope is { } scope && !Enum.IsDefined(scope))
        {
            throw new InvalidTriggerException(taskId, $"IdempotencyKeyScope is {(int)scope}, which is not a scope.");
        }

        if (options.Debounce is { } debounce)
        {
            if (string.IsNullOrEmpty(debounce.Key) || debounce.Key.Length > DebounceOptions.MaxKeyLength)
            {
                throw new InvalidTriggerException(taskId, $"Debounce.Key must be 1 to {DebounceOptions.MaxKeyLength} characters; it is {debounce.Key?.Length ?? 0}.");
            }

            if (debounce.Delay < TimeSpan.FromSeconds(1) || debounce.Delay > MaxDelay)
            {
                throw new InvalidTriggerException(taskId, $"Debounce.Delay is {debounce.Delay}; it must be between 1 second and {MaxDelay.TotalDays:N0} days.");
            }

            if (debounce.MaxDelay is { } maxDelay && maxDelay < debounce.Delay)
            {
                throw new InvalidTriggerException(taskId, $"Debounce.MaxDelay is {maxDelay}; it must be at least Debounce.Delay ({debounce.Delay}).");
            }

            if (!Enum.IsDefined(debounce.Mode))
            {
                throw new InvalidTriggerException(taskId, $"Debounce.Mode is {(int)debounce.Mode}, which is not a mode.");
            }
        }
    }

    private const int MaxConcurrencyKeyLength = 1024;
    private const int MaxPrioritySeconds = 30 * 24 * 3600;
    private static readonly TimeSpan MaxDelay = TimeSpan.FromDays(365);

    private static string Shorten(string? tag) => tag is null ? "" : tag.Length <= 40 ? tag : tag[..40] + "…";
}
