using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
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
    ILogger<AttemptExecutor> logger) : IDisposable
{
    /// <summary>How long a replay waits for the previous execution of its attempt to finish unwinding.</summary>
    private static readonly TimeSpan s_unwindWait = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, RunningExecution> _running = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>How many executions this silo is running.</summary>
    public int RunningCount => _running.Count;

    /// <summary>Starts an execution and returns at once. An older execution of the run still unwinding is told to stop first.</summary>
    public void Start(AttemptRequest request)
    {
        var running = new RunningExecution(request);
        _running.AddOrUpdate(request.RunId, running, (_, previous) =>
        {
            previous.Abandon();
            running.Previous = previous.Completion.Task;
            return running;
        });
        _ = Task.Run(() => ExecuteAsync(running));
    }

    /// <summary>Fires the cancellation token of the run's attempt, if it is executing here.</summary>
    public bool Cancel(string runId, int attempt) => With(runId, attempt, execution: null, r => r.Cancel());

    /// <summary>Stops the execution and drops its outcome: the run grain has already recorded what happens next.</summary>
    public void Abandon(string runId, int attempt) => With(runId, attempt, execution: null, r => r.Abandon());

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
        _stopping.Cancel();
        foreach (var running in _running.Values)
        {
            running.Abandon();
        }
    }

    public void Dispose() => _stopping.Dispose();

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
            await ReportAsync(running.Request, outcome).ConfigureAwait(false);
        }

        running.Dispose();
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
            return Failure(request, error, retryable: false);
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
            return Failure(request, error, retryable: false);
        }

        await using var scope = services.CreateAsyncScope();
        var taskLogger = new RunScopedLogger(loggerFactory.CreateLogger(descriptor.TaskType), request);
        var context = new RunContext(request, grains.GetGrain<IRunGrain>(request.RunId), taskLogger, running.Cancellation, time);
        running.Context = context;
        if (running.IsAbandoned)
        {
            context.Suspend();
        }

        Task<object?> work;
        try
        {
            var task = (ITaskDefinition)descriptor.Factory(scope.ServiceProvider, null);
            context.Enter();
            work = descriptor.Invoker.InvokeAsync(task, payload, context, running.Cancellation.Token);
        }
        catch (Exception exception)
        {
            return Classify(exception, running, context);
        }

        if (request.MaxDuration is { } maxDuration)
        {
            using var deadline = new CancellationTokenSource();
            var timeout = Task.Delay(maxDuration, time, deadline.Token);
            if (await Task.WhenAny(work, timeout).ConfigureAwait(false) == timeout)
            {
                // The attempt is over at its deadline even if the code ignores its token; whatever it does after is only logged.
                running.TimeOut();
                ObserveLateEnd(work, request);
                var error = new TaskRunError(
                    typeof(TimeoutException).FullName!,
                    $"The attempt ran past the maximum duration of {maxDuration} and was cancelled.",
                    Code: TaskRunErrorCodes.MaxDurationExceeded);
                return Outcome(request, AttemptOutcomeKind.TimedOut, error: error, retryable: false);
            }

            await deadline.CancelAsync().ConfigureAwait(false);
        }

        object? output;
        try
        {
            output = await work.ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            return Classify(exception, running, context);
        }

        if (Forced(running, context) is { } forced)
        {
            return forced;
        }

        try
        {
            return Outcome(request, AttemptOutcomeKind.Succeeded, outputJson: descriptor.Invoker.SerializeOutput(output));
        }
        catch (Exception exception) when (exception is JsonException or NotSupportedException or InvalidOperationException)
        {
            var error = TaskRunError.FromException(exception, TaskRunErrorCodes.OutputNotSerializable);
            return Failure(request, error with { Message = $"The output of task '{descriptor.Id}' could not be serialized to JSON: {exception.Message}" }, retryable: false);
        }
    }

    private AttemptOutcome Classify(Exception exception, RunningExecution running, RunContext context)
    {
        var request = running.Request;
        if (Forced(running, context) is { } forced)
        {
            return forced;
        }

        if (exception is OperationCanceledException && running.IsCancelRequested)
        {
            return Outcome(request, AttemptOutcomeKind.Canceled, error: TaskRunError.FromException(exception, TaskRunErrorCodes.Cancelled), retryable: false);
        }

        if (exception is AbortTaskRunException)
        {
            return Failure(request, TaskRunError.FromException(exception, TaskRunErrorCodes.Aborted), retryable: false);
        }

        return Failure(request, TaskRunError.FromException(exception), retryable: true);
    }

    /// <summary>
    /// An outcome the code cannot change: a suspended execution reports a suspension, and one that went against its
    /// journal fails, whatever the code did after (caught the exception, returned a value).
    /// </summary>
    private AttemptOutcome? Forced(RunningExecution running, RunContext context)
    {
        if (context.NonDeterminism is { } nonDeterminism)
        {
            return Failure(running.Request, TaskRunError.FromException(nonDeterminism, TaskRunErrorCodes.NonDeterminism), retryable: false);
        }

        return context.IsSuspended ? Outcome(running.Request, AttemptOutcomeKind.Suspended) : null;
    }

    private AttemptOutcome Failure(AttemptRequest request, TaskRunError error, bool retryable) =>
        Outcome(request, AttemptOutcomeKind.Failed, error: error, retryable: retryable);

    private AttemptOutcome Outcome(AttemptRequest request, AttemptOutcomeKind kind, string? outputJson = null, TaskRunError? error = null, bool retryable = true) =>
        new()
        {
            Attempt = request.Attempt,
            Execution = request.Execution,
            Kind = kind,
            OutputJson = outputJson,
            Error = error,
            Retryable = retryable,
            EndedAt = time.GetUtcNow(),
        };

    private async Task ReportAsync(AttemptRequest request, AttemptOutcome outcome)
    {
        var grain = grains.GetGrain<IRunGrain>(request.RunId);
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

    private void ObserveLateEnd(Task<object?> work, AttemptRequest request) =>
        work.ContinueWith(
            t => LogLateEnd(t.Exception?.GetBaseException(), request.RunId, request.Attempt),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

    private sealed class RunningExecution(AttemptRequest request) : IDisposable
    {
        private int _cancelRequested;
        private int _abandoned;

        public AttemptRequest Request { get; } = request;

        public CancellationTokenSource Cancellation { get; } = new();

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>The execution this one replaces, still unwinding when this one was started.</summary>
        public Task? Previous { get; set; }

        public RunContext? Context { get; set; }

        public bool IsCancelRequested => Volatile.Read(ref _cancelRequested) == 1;

        public bool IsAbandoned => Volatile.Read(ref _abandoned) == 1;

        public void Cancel()
        {
            Interlocked.Exchange(ref _cancelRequested, 1);
            TryCancel();
        }

        public void Abandon()
        {
            Interlocked.Exchange(ref _abandoned, 1);
            if (Context is { } context)
            {
                context.Suspend();
            }
            else
            {
                TryCancel();
            }
        }

        public void TimeOut() => TryCancel();

        public void Dispose() => Cancellation.Dispose();

        private void TryCancel()
        {
            try
            {
                Cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The execution has ended and been cleaned up; there is nothing left to cancel.
            }
            catch (AggregateException)
            {
                // A callback registered by task code threw while cancelling; the execution ends either way.
            }
        }
    }
}
