using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using OrleansTasks.Runs;
using OrleansTasks.Waitpoints;

namespace OrleansTasks.Execution;

/// <summary>
/// The engine's <see cref="TaskContext"/>, one per execution of an attempt. Each durable operation takes a journal
/// position (<see cref="KeyAllocator"/>); if the journal the execution started with has that position completed, the
/// recorded result comes back at once. Otherwise the operation is sent to the run grain, which records it, and a
/// pending one's result is delivered here when it comes. When the run suspends, pending operations throw
/// <see cref="RunSuspendedException"/> and the attempt's token fires, so the code unwinds.
/// </summary>
internal sealed class RunContext : TaskContext
{
    private static readonly TimeSpan s_quietBeforeSuspend = TimeSpan.FromMilliseconds(100);

    /// <summary>How long a durable operation is sent again while the cluster cannot reach the run before the execution gives way to a replay.</summary>
    private static readonly TimeSpan s_transientRetryLimit = TimeSpan.FromMinutes(2);

    private readonly AttemptRequest _request;
    private readonly IRunGrain _grain;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _cancellation;
    private readonly TimeProvider _time;
    private readonly KeyAllocator _keys = new();
    private readonly AsyncLocal<string?> _logScope = new();

    // Made at first use: most attempts (a task with no steps or waits) never need them.
    private ConcurrentDictionary<string, bool>? _waiting;
    private KeyAllocator? _logKeys;
    private ConcurrentDictionary<string, int>? _scopedLogCounts;
    private ConcurrentDictionary<string, TaskCompletionSource<JournalOpResult>>? _pending;
    private readonly AsyncLocal<string?> _inStep = new();
    private ConcurrentDictionary<string, StepRecord>? _unrecorded;
    private int _stepsRunning;
    private volatile bool _draining;
    private long _lastActivity;
    private int _suspendRequested;
    private volatile bool _suspended;
    private RunMetadata? _metadata;
    private RunStreams? _streams;
    private int _flushLoopStarted;

    public RunContext(AttemptRequest request, IRunGrain grain, ILogger logger, CancellationTokenSource cancellation, TimeProvider time)
    {
        _request = request;
        _grain = grain;
        _logger = logger;
        _cancellation = cancellation;
        _time = time;
        _lastActivity = time.GetTimestamp();
    }

    private ConcurrentDictionary<string, bool> Waiting =>
        LazyInitializer.EnsureInitialized(ref _waiting, static () => new ConcurrentDictionary<string, bool>(StringComparer.Ordinal));

    private ConcurrentDictionary<string, TaskCompletionSource<JournalOpResult>> Pending =>
        LazyInitializer.EnsureInitialized(ref _pending, static () => new ConcurrentDictionary<string, TaskCompletionSource<JournalOpResult>>(StringComparer.Ordinal));

    private ConcurrentDictionary<string, StepRecord> Unrecorded =>
        LazyInitializer.EnsureInitialized(ref _unrecorded, static () => new ConcurrentDictionary<string, StepRecord>(StringComparer.Ordinal));

    public override string RunId => _request.RunId;

    public override string TaskId => _request.TaskId;

    public override int Attempt => _request.Attempt;

    public override IReadOnlyList<string> Tags => _request.Tags;

    public override string Queue => _request.Queue;

    public override MachinePreset Machine => _request.Machine;

    public override DateTimeOffset CreatedAt => _request.CreatedAt;

    public override ILogger Logger => _logger;

    /// <summary>Finds another run's grain (a parent or root whose metadata the code changes).</summary>
    public Func<string, IRunGrain>? Runs { get; init; }

    /// <summary>Finds a run's data stream (of this run, its parent or its root).</summary>
    public Func<string, OrleansTasks.Streams.IRunStreamGrain>? StreamGrains { get; init; }

    /// <summary>How often metadata changes are sent while the code runs.</summary>
    public TimeSpan MetadataFlushInterval { get; init; } = TimeSpan.FromSeconds(1);

    public override RunMetadata Metadata => LazyInitializer.EnsureInitialized(ref _metadata, CreateMetadata);

    public override RunStreams Streams => LazyInitializer.EnsureInitialized(ref _streams, () => new RunStreams(
        RunId, _request.ParentRunId, _request.RootRunId, OrleansTasks.Metadata.MetadataUpdate.SourceOf(RunId, Attempt), SendStreamAsync));

    /// <summary>Stores every data-stream chunk written so far; before the attempt reports.</summary>
    public Task FlushStreamsAsync() => _streams?.FlushAsync() ?? Task.CompletedTask;

    /// <summary>Sends chunks to a stream (each numbered chunk is stored once, so sending again is safe), also while the code unwinds.</summary>
    private Task SendStreamAsync(string runId, string key, OrleansTasks.Streams.StreamAppend append)
    {
        var grain = (StreamGrains ?? throw new InvalidOperationException("No way to reach data streams."))(OrleansTasks.Streams.IRunStreamGrain.KeyOf(runId, key));
        return SendAgainAsync(async () =>
        {
            await grain.AppendAsync(append).ConfigureAwait(false);
            return true;
        }, "Stream append", whileUnwinding: true);
    }

    /// <summary>Sends every metadata change not sent yet (the run's own, its parent's and its root's); before the attempt reports.</summary>
    public async Task FlushMetadataAsync()
    {
        if (_metadata is not { } own)
        {
            return;
        }

        // The parent is always a target of its own (one that drops changes for a root run); the root is the run itself for a root run.
        await own.FlushAsync().ConfigureAwait(false);
        await own.Parent.FlushAsync().ConfigureAwait(false);
        if (!ReferenceEquals(own.Root, own))
        {
            await own.Root.FlushAsync().ConfigureAwait(false);
        }
    }

    private RunMetadata CreateMetadata()
    {
        var source = OrleansTasks.Metadata.MetadataUpdate.SourceOf(RunId, Attempt);
        var own = new RunMetadata(_request.MetadataJson, readable: true, _request.MetadataApplied, source, u => SendMetadataAsync(RunId, u), StartFlushing);
        var parent = new RunMetadata(null, readable: false, 0, source + "/parent",
            _request.ParentRunId is { } parentId ? u => SendMetadataAsync(parentId, u) : null, StartFlushing);
        var root = _request.RootRunId is { } rootId && rootId != RunId
            ? new RunMetadata(null, readable: false, 0, source + "/root", u => SendMetadataAsync(rootId, u), StartFlushing)
            : own;
        own.SetTargets(parent, root);
        parent.SetTargets(parent, root);
        if (!ReferenceEquals(root, own))
        {
            root.SetTargets(parent, root);
        }

        return own;
    }

    /// <summary>Sends metadata changes to a run (each change applies once, so sending again is safe), also while the code unwinds.</summary>
    private Task SendMetadataAsync(string runId, OrleansTasks.Metadata.MetadataUpdate update)
    {
        var grain = runId == RunId ? _grain : (Runs ?? throw new InvalidOperationException("No way to reach other runs."))(runId);
        return SendAgainAsync(() => grain.UpdateMetadataAsync(update), "Metadata update", whileUnwinding: true);
    }

    /// <summary>The first change starts a loop that sends changes every <see cref="MetadataFlushInterval"/> until the execution ends.</summary>
    private void StartFlushing()
    {
        if (Interlocked.Exchange(ref _flushLoopStarted, 1) == 1)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            var token = _cancellation.Token;
            while (!token.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(MetadataFlushInterval, _time, token).ConfigureAwait(false);
                    await FlushMetadataAsync().ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (token.IsCancellationRequested)
                {
                    return;
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
                catch (Exception exception)
                {
                    _logger.LogWarning(exception, "Sending metadata changes of run {RunId} failed; trying again in {Interval}", RunId, MetadataFlushInterval);
                }
            }
        });
    }

    public override string StepIdempotencyKey => _inStep.Value is { } key
        ? $"{RunId}/{key}"
        : throw new InvalidOperationException("StepIdempotencyKey is the key of the step running now: read it inside StepAsync's action.");

    /// <summary>True once the execution has been told to unwind; its outcome is then a suspension, whatever the code does.</summary>
    public bool IsSuspended => _suspended;

    /// <summary>Set when the code went against its journal; the attempt fails with it, whatever the code does after.</summary>
    public NonDeterminismException? NonDeterminism { get; private set; }

    /// <summary>Makes this the current run for the flow about to run the task's code.</summary>
    public void Enter() => SetCurrent(this);

    /// <summary>The keys of the waits the code was in when it unwound: the run resumes from them.</summary>
    public IReadOnlyList<string> UnwoundWaits => _waiting is not { IsEmpty: false } waiting ? [] : [.. waiting.Keys];

    /// <summary>Called when a wait starts (false) and when the code comes back from it (true), with the wait's journal key; set when the task has such hooks.</summary>
    public Func<WaitInfo, bool, string, Task>? WaitHooks { get; set; }

    /// <summary>
    /// The key of the next line this execution writes to the run's log. A replay runs the same code again, so the
    /// same line gets the same key and is stored once. Hooks that do not run on every execution (the start, a wait,
    /// a resume, the end) write under their own scope, and lines written while the code unwinds under the execution's,
    /// so their lines never take the place of the code's.
    /// </summary>
    public string NextLogKey()
    {
        var scope = _suspended ? $"unwind{_request.Execution}" : _logScope.Value;
        if (scope is null)
        {
            return "m" + LazyInitializer.EnsureInitialized(ref _logKeys).Next();
        }

        var counts = LazyInitializer.EnsureInitialized(ref _scopedLogCounts, static () => new ConcurrentDictionary<string, int>(StringComparer.Ordinal));
        return $"{scope}.{counts.AddOrUpdate(scope, 0, static (_, n) => n + 1)}";
    }

    /// <summary>Lines logged until the returned scope is disposed are keyed under <paramref name="scope"/>.</summary>
    public IDisposable BeginLogScope(string scope)
    {
        var previous = _logScope.Value;
        _logScope.Value = scope;
        return new ScopeRestore(this, previous);
    }

    /// <summary>
    /// Runs <paramref name="action"/> once per attempt, recorded in the journal at <paramref name="key"/> (outside the
    /// positions the code's own operations take), so replays skip it.
    /// </summary>
    public Task OnceAsync(string key, string name, Func<Task> action)
    {
        ThrowIfSuspended();
        return StepCoreAsync(key, name, async _ =>
        {
            await action().ConfigureAwait(false);
            return true;
        }, CancellationToken.None);
    }

    public override Task<T> StepAsync<T>(string name, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken = default)
    {
        Guard.NotBlank(name);
        ArgumentNullException.ThrowIfNull(action);
        var key = Allocate("StepAsync");
        return cancellationToken.IsCancellationRequested ? Task.FromCanceled<T>(cancellationToken) : StepCoreAsync(key, name, action, cancellationToken);
    }

    public override Task<RunHandle> TriggerAsync(BatchTaskItem item, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        var key = Allocate("TriggerAsync");
        return cancellationToken.IsCancellationRequested ? Task.FromCanceled<RunHandle>(cancellationToken) : TriggerCoreAsync(key, [item]);

        async Task<RunHandle> TriggerCoreAsync(string key, List<BatchTaskItem> items) =>
            (await ChildrenAsync(key, JournalOpKind.Trigger, items, CancellationToken.None).ConfigureAwait(false)).Handles![0];
    }

    public override Task<TaskRunResult> TriggerAndWaitAsync(BatchTaskItem item, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        var key = Allocate("TriggerAndWaitAsync");
        return cancellationToken.IsCancellationRequested ? Task.FromCanceled<TaskRunResult>(cancellationToken) : WaitCoreAsync(key, [item]);

        async Task<TaskRunResult> WaitCoreAsync(string key, List<BatchTaskItem> items) =>
            ToResult((await ChildrenAsync(key, JournalOpKind.TriggerAndWait, items, cancellationToken).ConfigureAwait(false)).Children![0]);
    }

    public override Task<BatchHandle> BatchTriggerAsync(IEnumerable<BatchTaskItem> items, CancellationToken cancellationToken = default)
    {
        var list = Materialize(items);
        var key = Allocate("BatchTriggerAsync");
        return cancellationToken.IsCancellationRequested ? Task.FromCanceled<BatchHandle>(cancellationToken) : BatchCoreAsync(key, list);

        async Task<BatchHandle> BatchCoreAsync(string key, List<BatchTaskItem> items)
        {
            var result = await ChildrenAsync(key, JournalOpKind.Trigger, items, CancellationToken.None).ConfigureAwait(false);
            return new BatchHandle(result.BatchId ?? RunIds.ForChildBatch(RunId, Attempt, key), result.Handles!);
        }
    }

    public override Task<IReadOnlyList<TaskRunResult>> BatchTriggerAndWaitAsync(IEnumerable<BatchTaskItem> items, CancellationToken cancellationToken = default)
    {
        var list = Materialize(items);
        var key = Allocate("BatchTriggerAndWaitAsync");
        return cancellationToken.IsCancellationRequested ? Task.FromCanceled<IReadOnlyList<TaskRunResult>>(cancellationToken) : BatchWaitCoreAsync(key, list);

        async Task<IReadOnlyList<TaskRunResult>> BatchWaitCoreAsync(string key, List<BatchTaskItem> items)
        {
            var result = await ChildrenAsync(key, JournalOpKind.TriggerAndWait, items, cancellationToken).ConfigureAwait(false);
            return [.. result.Children!.Select(ToResult)];
        }
    }

    protected internal override TimeProvider Time => _time;

    protected internal override Task WaitUntilAsync(DateTimeOffset until, bool isDuration, bool throwIfInThePast, CancellationToken cancellationToken)
    {
        var key = Allocate(isDuration ? "Wait.ForAsync" : "Wait.UntilAsync");
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        var op = NewOp(key, JournalOpKind.Wait, isDuration ? "for" : "until") with { DueAt = until };
        if (throwIfInThePast && until < _time.GetUtcNow() && Recorded(key, op.Kind, op.Name) is null)
        {
            throw new InvalidRequestException($"{until:O} is in the past.", nameof(until));
        }

        return RunAsync(op, cancellationToken);
    }

    protected internal override Task<WaitpointToken> CreateTokenAsync(WaitTokenOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        WaitpointValidation.Validate(options);
        var key = Allocate("Wait.CreateTokenAsync");
        return cancellationToken.IsCancellationRequested ? Task.FromCanceled<WaitpointToken>(cancellationToken) : CreateCoreAsync(NewOp(key, JournalOpKind.CreateToken, "token") with { TokenOptions = options });

        async Task<WaitpointToken> CreateCoreAsync(JournalOp op)
        {
            var result = await RunAsync(op, CancellationToken.None).ConfigureAwait(false);
            return result.Token ?? JsonSerializer.Deserialize<WaitpointToken>(result.ResultJson!, TaskJson.Options)!;
        }
    }

    protected internal override Task<(bool IsSuccess, string? OutputJson, TaskRunError? Error)> WaitForTokenAsync(string tokenId, CancellationToken cancellationToken)
    {
        Guard.NotBlank(tokenId);
        var key = Allocate("Wait.ForTokenAsync");
        return cancellationToken.IsCancellationRequested ? Task.FromCanceled<(bool, string?, TaskRunError?)>(cancellationToken) : WaitCoreAsync(NewOp(key, JournalOpKind.WaitToken, "token") with { TokenId = tokenId });

        async Task<(bool, string?, TaskRunError?)> WaitCoreAsync(JournalOp op)
        {
            var result = await RunAsync(op, cancellationToken).ConfigureAwait(false);
            return (result.Error is null, result.ResultJson, result.Error);
        }
    }

    /// <summary>A pending operation's result has come.</summary>
    public void Deliver(string key, JournalOpResult result)
    {
        if (_pending is { } pending && pending.TryRemove(key, out var waiter))
        {
            Touch();
            waiter.TrySetResult(result);
        }
    }

    /// <summary>The run suspends: once no step is running and the code has been quiet briefly, the code unwinds.</summary>
    public void RequestSuspend()
    {
        if (Interlocked.Exchange(ref _suspendRequested, 1) == 0)
        {
            _ = SuspendWhenQuietAsync();
        }
    }

    /// <summary>Unwinds now: pending operations throw, the token fires, and any further operation throws.</summary>
    public void Suspend()
    {
        _suspended = true;
        foreach (var key in _pending?.Keys ?? [])
        {
            if (_pending!.TryRemove(key, out var waiter))
            {
                waiter.TrySetException(new RunSuspendedException(_cancellation.Token));
            }
        }

        try
        {
            _cancellation.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The execution has already ended.
        }
        catch (AggregateException)
        {
            // A callback registered by task code threw; the execution unwinds either way.
        }
    }

    /// <summary>
    /// The run's activation is going away with this execution running: lets the steps in flight finish (until
    /// <paramref name="cancellationToken"/> fires), starts no new operation, then unwinds. Returns the steps whose side
    /// effect is done but whose record may not have reached the run, so the run records them before it hands over and
    /// the replay elsewhere does not run them again.
    /// </summary>
    public async Task<IReadOnlyList<StepRecord>> DrainAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        while (Volatile.Read(ref _stepsRunning) > 0 && !cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(10), _time, CancellationToken.None).ConfigureAwait(false);
        }

        IReadOnlyList<StepRecord> done = _unrecorded is { } unrecorded ? [.. unrecorded.Values] : [];
        Suspend();
        return done;
    }

    private async Task SuspendWhenQuietAsync()
    {
        // Operations started together (Task.WhenAll) all get recorded before the code unwinds, and a running step
        // (a side effect in flight) is never cut short.
        while (!_suspended)
        {
            var quiet = _time.GetElapsedTime(Interlocked.Read(ref _lastActivity));
            if (Volatile.Read(ref _stepsRunning) == 0 && quiet >= s_quietBeforeSuspend)
            {
                Suspend();
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(25), _time).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Takes the next journal position for <paramref name="operation"/>. It is taken even when the caller's token has
    /// fired already (the operation then records nothing), so the positions after it are the same on every replay.
    /// </summary>
    private string Allocate(string operation)
    {
        if (_inStep.Value is not null)
        {
            throw new InvalidOperationException($"{operation} was called inside StepAsync. A step is one side effect; make durable operations outside it.");
        }

        if (_request.FinalFailure is not null)
        {
            throw new InvalidOperationException($"{operation} was called from a hook that runs after the run ended ({_request.FinalFailure.Status.ToWireName()}); durable operations are not available there.");
        }

        ThrowIfSuspended();
        Touch();
        return _keys.Next();
    }

    private async Task<T> StepCoreAsync<T>(string key, string name, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken)
    {
        if (Recorded(key, JournalOpKind.Step, name) is { Status: JournalOpStatus.Completed } recorded)
        {
            return JsonSerializer.Deserialize<T>(recorded.ResultJson!, TaskJson.Options)!;
        }

        T result;
        string json;
        Interlocked.Increment(ref _stepsRunning);
        _inStep.Value = $"{key}:{name}";
        using var activity = OrleansTasksTelemetry.Source.StartActivity($"step {name}");
        try
        {
            // The action sees the attempt's token and the caller's together; a step cut short is not recorded.
            using var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(_cancellation.Token, cancellationToken) : null;
            result = await action(linked?.Token ?? _cancellation.Token).ConfigureAwait(false);
            json = JsonSerializer.Serialize(result, TaskJson.Options);

            // Done but not yet recorded: a run grain going away waits for this and records it itself (DrainAsync).
            Unrecorded[key] = new StepRecord(key, name, json);
        }
        catch (Exception exception)
        {
            OrleansTasksTelemetry.RecordException(activity, exception);
            throw;
        }
        finally
        {
            _inStep.Value = null;
            Interlocked.Decrement(ref _stepsRunning);
            Touch();
        }

        try
        {
            await RunAsync(NewOp(key, JournalOpKind.Step, name) with { ResultJson = json }, CancellationToken.None).ConfigureAwait(false);
        }
        finally
        {
            _unrecorded!.TryRemove(key, out _);
        }

        return result;
    }

    private Task<JournalOpResult> ChildrenAsync(string key, JournalOpKind kind, List<BatchTaskItem> items, CancellationToken cancellationToken)
    {
        var children = items.Select(item => new TriggerRequest
        {
            TaskId = item.TaskId,
            TaskType = item.TaskType?.FullName,
            PayloadJson = item.PayloadJson,
            Options = item.Options ?? new TriggerOptions(),
            TraceParent = Activity.Current?.Id,
        }).ToList();
        var name = string.Join(",", items.Select(i => i.TaskId ?? i.TaskType!.FullName).Distinct(StringComparer.Ordinal));
        if (items.Count > 1)
        {
            name += $"×{items.Count}";
        }

        return RunAsync(NewOp(key, kind, name) with { Children = children }, cancellationToken);
    }

    /// <summary>
    /// Answers an operation from the journal the execution started with, or records it with the run grain. A wait
    /// stops when <paramref name="cancellationToken"/> fires: the run records it as abandoned, so a replay stops there
    /// too, and the code gets <see cref="OperationCanceledException"/> once the run holds its slot again.
    /// </summary>
    private async Task<JournalOpResult> RunAsync(JournalOp op, CancellationToken cancellationToken)
    {
        var wait = AsWait(op);
        if (Recorded(op.Key, op.Kind, op.Name) is { Status: JournalOpStatus.Completed } recorded)
        {
            if (wait is not null && WaitHooks is { } hooks && _request.Journal[op.Key].Unwound)
            {
                // The run suspended on this wait and has come back: this execution is its resume.
                await hooks(wait, true, op.Key).ConfigureAwait(false);
            }

            return ThrowIfAbandoned(recorded, op, cancellationToken);
        }

        using var activity = wait is null ? null : OrleansTasksTelemetry.Source.StartActivity($"wait {wait.Kind}");
        activity?.SetTag("orleanstasks.wait.key", op.Key);

        // Registered before the grain hears of the operation, so a result delivered right after is not missed.
        var waiter = Pending.GetOrAdd(op.Key, _ => new TaskCompletionSource<JournalOpResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        JournalOpResult result;
        try
        {
            result = await JournalAsync(op).ConfigureAwait(false);
        }
        catch (NonDeterminismException exception)
        {
            _pending!.TryRemove(op.Key, out _);
            NonDeterminism ??= exception;
            throw;
        }
        catch
        {
            _pending!.TryRemove(op.Key, out _);
            throw;
        }

        switch (result.Status)
        {
            case JournalOpStatus.Completed:
                _pending!.TryRemove(op.Key, out _);
                return result;
            case JournalOpStatus.Stale:
                Suspend();
                throw new RunSuspendedException(_cancellation.Token);
            default:
                ThrowIfSuspended();
                var hooks = wait is null ? null : WaitHooks;
                if (hooks is not null && !(_request.Journal.TryGetValue(op.Key, out var earlier) && earlier.Unwound))
                {
                    await hooks(wait!, false, op.Key).ConfigureAwait(false);
                }

                if (wait is not null)
                {
                    Waiting[op.Key] = true;
                }

                try
                {
                    // The wait also ends when the execution's token fires (the run was cancelled or ran out of time), so
                    // the code unwinds at once instead of sitting in the wait until the cancel timeout abandons it.
                    result = await WaitForResultAsync(op, waiter, cancellationToken).ConfigureAwait(false);
                }
                catch (RunSuspendedException)
                {
                    activity?.SetTag("orleanstasks.wait.suspended", true);
                    throw;
                }
                catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
                {
                    _pending!.TryRemove(op.Key, out _);
                    if (_suspended)
                    {
                        // Suspend fires the token too; the code must see the suspension, whichever came first. The wait
                        // stays in _waiting, as on the suspension path above: the replay resumes it with its hooks.
                        activity?.SetTag("orleanstasks.wait.suspended", true);
                        throw new RunSuspendedException(_cancellation.Token);
                    }

                    _waiting?.TryRemove(op.Key, out _);
                    throw;
                }

                _waiting?.TryRemove(op.Key, out _);

                if (hooks is not null)
                {
                    await hooks(wait!, true, op.Key).ConfigureAwait(false);
                }

                return ThrowIfAbandoned(result, op, cancellationToken);
        }
    }

    /// <summary>
    /// The pending operation's result, delivered when it comes. It also ends when the execution's token fires (the run
    /// was cancelled, ran out of time or suspends), so the code unwinds at once. When the caller's token fires first,
    /// the run is told the code stopped waiting, and the answer (abandoned, or the result if the wait ended first) is
    /// still delivered like any result, once the run holds its slot.
    /// </summary>
    private async Task<JournalOpResult> WaitForResultAsync(JournalOp op, TaskCompletionSource<JournalOpResult> waiter, CancellationToken cancellationToken)
    {
        if (!cancellationToken.CanBeCanceled)
        {
            return await waiter.Task.WaitAsync(_cancellation.Token).ConfigureAwait(false);
        }

        using (var either = CancellationTokenSource.CreateLinkedTokenSource(_cancellation.Token, cancellationToken))
        {
            try
            {
                return await waiter.Task.WaitAsync(either.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!_cancellation.IsCancellationRequested && cancellationToken.IsCancellationRequested)
            {
                // The caller stopped waiting; the attempt goes on.
            }
        }

        if (!waiter.Task.IsCompleted)
        {
            Touch();
            var answer = await JournalAsync(op with { Abandon = true, Children = null, TokenOptions = null }).ConfigureAwait(false);
            if (answer.Status == JournalOpStatus.Stale)
            {
                Suspend();
                throw new RunSuspendedException(_cancellation.Token);
            }
        }

        return await waiter.Task.WaitAsync(_cancellation.Token).ConfigureAwait(false);
    }

    private static JournalOpResult ThrowIfAbandoned(JournalOpResult result, JournalOp op, CancellationToken cancellationToken) =>
        result.Abandoned
            ? throw new OperationCanceledException(
                $"{Journal.JournalEntry.Describe(op.Kind, op.Name)} at {op.Key} was abandoned when the cancellation token passed to it fired.", cancellationToken)
            : result;

    /// <summary>
    /// Sends the operation to the run grain. A silo dying or the cluster reconfiguring is no failure of the attempt:
    /// the operation is idempotent (its key, and any child's id, are fixed before the first send), so it is sent again
    /// with backoff. If the run stays out of reach, or this silo is going away, the execution unwinds and the attempt
    /// goes on by replay.
    /// </summary>
    private async Task<JournalOpResult> JournalAsync(JournalOp op)
    {
        try
        {
            return await SendAgainAsync(() => _grain.JournalAsync(op), op.Kind.ToString(), whileUnwinding: false).ConfigureAwait(false);
        }
        catch (Exception exception) when (TransientFailures.IsTransient(exception))
        {
            Suspend();
            throw new RunSuspendedException(_cancellation.Token);
        }
    }

    /// <summary>
    /// Makes an idempotent call to a run, again with backoff while the cluster cannot reach it, for up to
    /// <see cref="s_transientRetryLimit"/> (and, unless <paramref name="whileUnwinding"/>, only until the execution
    /// unwinds); then the last transient failure is thrown.
    /// </summary>
    private async Task<T> SendAgainAsync<T>(Func<Task<T>> send, string what, bool whileUnwinding)
    {
        var started = _time.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await send().ConfigureAwait(false);
            }
            catch (Exception exception) when (TransientFailures.IsTransient(exception)
                && (whileUnwinding || !_suspended) && _time.GetElapsedTime(started) <= s_transientRetryLimit)
            {
                _logger.LogDebug(exception, "{Operation} of run {RunId} could not reach the run (try {Attempt}); sending it again", what, RunId, attempt);
                await Task.Delay(TransientFailures.Backoff(attempt, TimeSpan.FromSeconds(5)), _time).ConfigureAwait(false);
            }
        }
    }

    /// <summary>What <c>OnWaitAsync</c> and <c>OnResumeAsync</c> are told about an operation that waits; null for one that does not.</summary>
    private static WaitInfo? AsWait(JournalOp op) => op.Kind switch
    {
        JournalOpKind.Wait => new WaitInfo(WaitKind.Duration, Until: op.DueAt),
        JournalOpKind.WaitToken => new WaitInfo(WaitKind.Token, TokenId: op.TokenId),
        JournalOpKind.TriggerAndWait => new WaitInfo(op.Children is { Count: > 1 } ? WaitKind.Batch : WaitKind.Task),
        _ => null,
    };

    /// <summary>The journal's record at <paramref name="key"/>, checked against the operation the code makes there now.</summary>
    private JournalOpResult? Recorded(string key, JournalOpKind kind, string name)
    {
        if (!_request.Journal.TryGetValue(key, out var recorded))
        {
            return null;
        }

        if (recorded.Kind != kind || recorded.Name != name)
        {
            NonDeterminism ??= new NonDeterminismException(RunId, key, Journal.JournalEntry.Describe(recorded.Kind, recorded.Name), Journal.JournalEntry.Describe(kind, name));
            throw NonDeterminism;
        }

        return recorded.Result;
    }

    private JournalOp NewOp(string key, JournalOpKind kind, string name) =>
        new() { Attempt = Attempt, Execution = _request.Execution, Key = key, Kind = kind, Name = name };

    private void ThrowIfSuspended()
    {
        if (_suspended || _draining)
        {
            throw new RunSuspendedException(_cancellation.Token);
        }
    }

    private void Touch() => Interlocked.Exchange(ref _lastActivity, _time.GetTimestamp());

    private static List<BatchTaskItem> Materialize(IEnumerable<BatchTaskItem> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var list = items.ToList();
        if (list.Count > TaskLimits.MaxBatchItems)
        {
            throw new BatchTooLargeException(list.Count, TaskLimits.MaxBatchItems);
        }

        if (list.Count == 0)
        {
            throw new InvalidRequestException("A batch trigger needs at least one item.", nameof(items));
        }

        return list;
    }

    private static TaskRunResult ToResult(ChildRunResult child) => new()
    {
        IsSuccess = child.Status == RunStatus.Completed,
        RunId = child.RunId,
        TaskId = child.TaskId,
        Status = child.Status,
        OutputJson = child.OutputJson,
        Error = child.Error,
    };

    /// <summary>A step whose side effect is done: what its journal record holds.</summary>
    internal sealed record StepRecord(string Key, string Name, string ResultJson);

    private sealed class ScopeRestore(RunContext context, string? previous) : IDisposable
    {
        public void Dispose() => context._logScope.Value = previous;
    }
}
