using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansTasks.Hosting;
using OrleansTasks.Lifecycle;
using OrleansTasks.Logs;
using OrleansTasks.Registry;
using OrleansTasks.Runs;

namespace OrleansTasks.Execution;

/// <summary>
/// Runs executions of attempts on the thread pool, off the grain scheduler, so a long attempt never blocks calls to
/// its run grain. An execution is one pass of the task's code over an attempt: the first, or a replay after the run
/// resumed or its silo died. When an execution ends, however it ends, the outcome is reported to the run grain, and
/// the report is retried until it is accepted or the silo stops. One per silo.
/// </summary>
internal sealed partial class AttemptExecutor(
    TaskRegistry registry,
    IServiceProvider services,
    IGrainFactory grains,
    ILoggerFactory loggerFactory,
    TimeProvider time,
    IOptions<OrleansTasksOptions> options,
    RunLogWriter logs,
    ILogger<AttemptExecutor> logger) : IDisposable
{
    /// <summary>How long a replay waits for the previous execution of its attempt to finish unwinding.</summary>
    private static readonly TimeSpan s_unwindWait = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, RunningExecution> _running = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private StartClock? _clock;

    /// <summary>How many executions this silo is running.</summary>
    public int RunningCount => _running.Count;

    /// <summary>Starts an execution and returns at once. An older execution of the run still unwinding is told to stop first.</summary>
    public void Start(AttemptRequest request)
    {
        var running = Track(request);
        _ = Task.Run(() => ExecuteAsync(running));
    }

    /// <summary>
    /// Arms the first attempt of a delayed run to start at its moment, <paramref name="at"/>, on this silo's start
    /// clock; the run's grain is told when it starts (<see cref="IRunGrain.ClockStartedAsync"/>).
    /// </summary>
    public void Arm(AttemptRequest request, DateTimeOffset at) => Clock.Arm(request, at);

    /// <summary>When the start clock started the run's armed attempt; null while it has not.</summary>
    public DateTimeOffset? TakeClockStart(string runId, int attempt) => _clock?.TakeStarted(runId, attempt);

    /// <summary>Takes the run's armed attempt off the start clock; if it had started already, returns when.</summary>
    public DateTimeOffset? WithdrawClockStart(string runId, int attempt) => _clock?.Withdraw(runId, attempt);

    /// <summary>Fires the cancellation token of the run's attempt, if it is executing here.</summary>
    public bool Cancel(string runId, int attempt) => With(runId, attempt, execution: null, r => r.Cancel());

    /// <summary>Stops the execution and drops its outcome: the run grain has already recorded what happens next.</summary>
    public void Abandon(string runId, int attempt) => With(runId, attempt, execution: null, r => r.Abandon());

    /// <summary>
    /// The run's activation is going away: drops the execution's outcome, lets its steps in flight finish (until
    /// <paramref name="cancellationToken"/> fires) and unwinds it. Returns the steps whose side effect is done but may
    /// not be recorded, for the run to record before it hands over.
    /// </summary>
    public async Task<IReadOnlyList<RunContext.StepRecord>> AbandonAsync(string runId, int attempt, CancellationToken cancellationToken)
    {
        if (!_running.TryGetValue(runId, out var running) || running.Request.Attempt != attempt)
        {
            return [];
        }

        running.MarkAbandoned();
        var records = running.Context is { } context ? await context.DrainAsync(cancellationToken).ConfigureAwait(false) : [];
        running.Abandon();
        return records;
    }

    /// <summary>The run suspends: the execution unwinds once it is quiet, and reports a suspension.</summary>
    public void Suspend(string runId, int attempt, int execution) => With(runId, attempt, execution, r => r.Context?.RequestSuspend());

    /// <summary>Hands a pending operation's result to the execution waiting for it.</summary>
    public void Deliver(string runId, int attempt, int execution, string key, JournalOpResult result) =>
        With(runId, attempt, execution, r => r.Context?.Deliver(key, result));

    /// <summary>True if this execution of the attempt is running on this silo (any execution when <paramref name="execution"/> is null).</summary>
    public bool IsRunning(string runId, int attempt, int? execution = null) =>
        _running.TryGetValue(runId, out var running) && !running.IsAbandoned
        && running.Request.Attempt == attempt && (execution is null || running.Request.Execution == execution);

    /// <summary>Stops reporting and cancels every execution: the silo is going down.</summary>
    public void Stop()
    {
        _clock?.Dispose();
        _stopping.Cancel();
        foreach (var running in _running.Values)
        {
            running.Abandon();
        }
    }

    public void Dispose()
    {
        _clock?.Dispose();
        _stopping.Dispose();
    }

    private StartClock Clock
    {
        get
        {
            if (Volatile.Read(ref _clock) is { } clock)
            {
                return clock;
            }

            Interlocked.CompareExchange(ref _clock, new StartClock(time, StartOnClock), null);
            return _clock;
        }
    }

    /// <summary>
    /// The start clock's pass at a moment: every execution due then starts, and only then are their runs told, so the
    /// last one's code does not wait for the first ones' bookkeeping.
    /// </summary>
    private void StartOnClock(IReadOnlyList<AttemptRequest> due)
    {
        // All on the thread pool's shared queue, first in first out: every execution is taken up before the notices,
        // where a worker's own queue would be taken last in first out and the notices' grain turns would come first.
        foreach (var request in due)
        {
            ThreadPool.UnsafeQueueUserWorkItem(static state => _ = state.Executor.ExecuteAsync(state.Running), (Executor: this, Running: Track(request)), preferLocal: false);
        }

        ThreadPool.UnsafeQueueUserWorkItem(static state => state.Executor.NotifyClockStarts(state.Due), (Executor: this, Due: due), preferLocal: false);
    }

    private void NotifyClockStarts(IReadOnlyList<AttemptRequest> started)
    {
        foreach (var request in started)
        {
            grains.Reference<IRunGrain>(request.RunId).ClockStartedAsync(request.Attempt).Ignore();
        }
    }

    /// <summary>Registers a new execution of the run; an older one still unwinding is told to stop, and the new one waits for it.</summary>
    private RunningExecution Track(AttemptRequest request)
    {
        var running = new RunningExecution(request);
        _running.AddOrUpdate(request.RunId, running, (_, previous) =>
        {
            previous.Abandon();
            running.Previous = previous.Completion.Task;
            return running;
        });
        return running;
    }

    private bool With(string runId, int attempt, int? execution, Action<RunningExecution> action)
    {
        if (_running.TryGetValue(runId, out var running) && running.Request.Attempt == attempt
            && (execution is null || running.Request.Execution == execution))
        {
            action(running);
            return true;
        }

        return false;
    }

    private async Task ExecuteAsync(RunningExecution running)
    {
        if (running.Previous is { } previous)
        {
            await previous.WaitAsync(s_unwindWait).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        AttemptOutcome outcome;
        try
        {
            outcome = await RunAsync(running).ConfigureAwait(false);
        }
        finally
        {
            _running.TryRemove(new KeyValuePair<string, RunningExecution>(running.Request.RunId, running));
            running.Completion.TrySetResult();
        }

        if (!running.IsAbandoned)
        {
            // The outcome goes behind the work already queued on the thread pool: in a burst of runs due at one moment
            // (a cron minute), the grants waiting there start their attempts before the runs that ended are finished.
            // Otherwise each worker finishes the attempt it just ran (a report, a write, a release) before it starts
            // the next, and the last runs of the burst start that much later.
            await Task.Yield();

            await FlushMetadataAsync(running).ConfigureAwait(false);
            StoreError(running.Request, outcome);
            await ReportAsync(running.Request, outcome).ConfigureAwait(false);
        }

        running.Dispose();
    }

    /// <summary>The attempt's data-stream chunks and metadata changes reach their runs (its own, parent, root) before its outcome does.</summary>
    private async Task FlushMetadataAsync(RunningExecution running)
    {
        if (running.Context is not { } context)
        {
            return;
        }

        try
        {
            // Streams first: a reader who sees the run's final state finds every chunk stored.
            await context.FlushStreamsAsync().ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            LogStreamFlushFailed(exception, running.Request.RunId);
        }

        try
        {
            await context.FlushMetadataAsync().ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            LogMetadataFlushFailed(exception, running.Request.RunId);
        }
    }

    /// <summary>
    /// A failed or timed-out attempt's error joins the run's stored log, so <c>Runs.GetLogsAsync</c> tells the whole
    /// story. Keyed once per attempt: a report sent again stores it once.
    /// </summary>
    private void StoreError(AttemptRequest request, AttemptOutcome outcome)
    {
        if (outcome.Kind is not (AttemptOutcomeKind.Failed or AttemptOutcomeKind.TimedOut) || outcome.Error is not { } error)
        {
            return;
        }

        logs.Append(new RunLogEntry
        {
            RunId = request.RunId,
            Attempt = request.Attempt,
            Key = "attempt-error",
            Level = RunLogLevel.Error,
            Message = $"Attempt {request.Attempt} {(outcome.Kind == AttemptOutcomeKind.TimedOut ? "timed out" : "failed")}: {error}",
            Properties = new Dictionary<string, string?>(StringComparer.Ordinal) { ["ErrorType"] = error.Type, ["ErrorCode"] = error.Code },
            Timestamp = outcome.EndedAt,
            Exception = error.StackTrace,
        });
    }

    /// <summary>
    /// Runs the failure hooks of a run that ended while its code was not running here (it crashed, or was cancelled
    /// while queued or waiting). Nothing is reported: the run has already ended. Best effort: if this silo stops
    /// first, the hooks do not run.
    /// </summary>
    public void RunFinalHooks(AttemptRequest request)
    {
        if (request.FinalFailure is null || !registry.TryGet(request.TaskId, out var descriptor)
            || !(descriptor.Hooks | registry.GlobalHooks).Has(HookSet.OnFailure | HookSet.OnComplete))
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            using var running = new RunningExecution(request);
            var outcome = await RunAsync(running).ConfigureAwait(false);
            if (outcome.Error is { } error && !ReferenceEquals(error, request.FinalFailure.Error))
            {
                // Anything but the run's own error means the hooks could not run (the task could not be created).
                LogFinalHooksFailed(request.RunId, error.ToString());
            }
        });
    }

    private async Task<AttemptOutcome> RunAsync(RunningExecution running)
    {
        var request = running.Request;
        if (!registry.TryGet(request.TaskId, out var descriptor))
        {
            var error = new TaskRunError(
                typeof(UnknownTaskException).FullName!,
                $"Task '{request.TaskId}' is not registered on the silo that picked up the run.",
                Code: TaskRunErrorCodes.TaskNotFound);
            return Failure(request, error);
        }

        object? payload;
        try
        {
            payload = descriptor.Invoker.DeserializePayload(request.PayloadJson);
        }
        catch (Exception exception) when (exception is JsonException or NotSupportedException or InvalidOperationException or ArgumentException)
        {
            var error = new TaskRunError(
                exception.GetType().FullName!,
                $"The payload does not deserialize into {descriptor.PayloadType.Name}, the payload type of task '{descriptor.Id}': {exception.Message}",
                exception.StackTrace,
                TaskRunErrorCodes.InvalidPayload);
            return Failure(request, error);
        }

        await using var scope = services.CreateAsyncScope();
        var taskLogger = new RunLogger(new RunScopedLogger(loggerFactory.CreateLogger(descriptor.TaskType), request), logs, request, options.Value.RunLogLevel, time);
        var context = new RunContext(request, grains.Reference<IRunGrain>(request.RunId), taskLogger, running.Cancellation, time)
        {
            Runs = id => grains.Reference<IRunGrain>(id),
            StreamGrains = key => grains.GetGrain<Streams.IRunStreamGrain>(key),
            MetadataFlushInterval = options.Value.MetadataFlushInterval,
        };
        taskLogger.Context = context;
        running.Context = context;
        if (running.IsAbandoned)
        {
            context.Suspend();
        }

        try
        {
            var task = (ITaskDefinition)descriptor.Factory(scope.ServiceProvider, null);
            var pipeline = new AttemptPipeline(descriptor, running, context, task, payload, scope.ServiceProvider, registry, time, options.Value.CancelTimeout, logger);
            if (request.FinalFailure is { } failure)
            {
                await pipeline.RunFinalHooksAsync(failure).ConfigureAwait(false);
                return Failure(request, failure.Error);
            }

            // Checked before each execution, as Trigger.dev's schemaTask does: a payload that breaks its rules is never retried.
            var violations = Validation.PayloadValidation.Validate(descriptor.TaskType, descriptor.PayloadType, payload);
            if (violations.Count > 0)
            {
                var invalid = new PayloadValidationException(descriptor.Id, violations);
                return Failure(request, TaskRunError.FromException(invalid, TaskRunErrorCodes.InvalidPayload));
            }

            return await pipeline.RunAsync().ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // The task could not be created (its constructor threw, a service is missing): the attempt fails and is retried.
            return Failure(request, TaskRunError.FromException(exception), retryable: true);
        }
    }

    private AttemptOutcome Failure(AttemptRequest request, TaskRunError error, bool retryable = false) =>
        request.Outcome(AttemptOutcomeKind.Failed, time.GetUtcNow(), error: error, retryable: retryable);

    private async Task ReportAsync(AttemptRequest request, AttemptOutcome outcome)
    {
        var grain = grains.Reference<IRunGrain>(request.RunId);
        for (var attempt = 1; !_stopping.IsCancellationRequested; attempt++)
        {
            try
            {
                await grain.ReportAttemptAsync(outcome).ConfigureAwait(false);
                return;
            }
            catch (Exception exception)
            {
                LogReportFailed(exception, request.RunId, request.Attempt, attempt);
                var delay = TimeSpan.FromMilliseconds(Math.Min(30_000, 100 * Math.Pow(2, Math.Min(attempt, 10))));
                try
                {
                    await Task.Delay(delay, time, _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
