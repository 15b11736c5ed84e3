using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansTasks.Registry;
using OrleansTasks.Runs;

namespace OrleansTasks.Execution;

/// <summary>
/// Runs attempts on the thread pool, off the grain scheduler, so a long attempt never blocks calls to its run grain.
/// When an attempt ends, however it ends, the outcome is reported to the run grain, and the report is retried until
/// it is accepted or the silo stops. One per silo.
/// </summary>
internal sealed partial class AttemptExecutor(
    TaskRegistry registry,
    IServiceProvider services,
    IGrainFactory grains,
    ILoggerFactory loggerFactory,
    TimeProvider time,
    ILogger<AttemptExecutor> logger) : IDisposable
{
    private readonly ConcurrentDictionary<string, RunningAttempt> _running = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>How many attempts this silo is executing.</summary>
    public int RunningCount => _running.Count;

    /// <summary>Starts an attempt and returns at once.</summary>
    public void Start(AttemptRequest request)
    {
        var running = new RunningAttempt(request);
        if (_running.TryGetValue(request.RunId, out var previous))
        {
            // A run executes one attempt at a time; an older one still unwinding is told to stop.
            previous.Cancel();
        }

        _running[request.RunId] = running;
        _ = Task.Run(() => ExecuteAsync(running));
    }

    /// <summary>Fires the cancellation token of the run's attempt, if it is executing here.</summary>
    public bool Cancel(string runId, int attempt)
    {
        if (_running.TryGetValue(runId, out var running) && running.Request.Attempt == attempt)
        {
            running.Cancel();
            return true;
        }

        return false;
    }

    /// <summary>
    /// Cancels the attempt and drops its outcome: the run grain has already recorded how it ended (it crashed with
    /// its silo going down), so there is nothing to report.
    /// </summary>
    public void Abandon(string runId, int attempt)
    {
        if (_running.TryGetValue(runId, out var running) && running.Request.Attempt == attempt)
        {
            running.Abandon();
        }
    }

    /// <summary>True if the attempt is executing on this silo.</summary>
    public bool IsRunning(string runId, int attempt) =>
        _running.TryGetValue(runId, out var running) && running.Request.Attempt == attempt;

    /// <summary>Stops reporting and cancels every attempt: the silo is going down.</summary>
    public void Stop()
    {
        _stopping.Cancel();
        foreach (var running in _running.Values)
        {
            running.Cancel();
        }
    }

    public void Dispose() => _stopping.Dispose();

    private async Task ExecuteAsync(RunningAttempt running)
    {
        var outcome = await RunAttemptAsync(running).ConfigureAwait(false);
        _running.TryRemove(new KeyValuePair<string, RunningAttempt>(running.Request.RunId, running));
        if (!running.IsAbandoned)
        {
            await ReportAsync(running.Request, outcome).ConfigureAwait(false);
        }

        running.Dispose();
    }

    private async Task<AttemptOutcome> RunAttemptAsync(RunningAttempt running)
    {
        var request = running.Request;
        if (!registry.TryGet(request.TaskId, out var descriptor))
        {
            var error = new TaskRunError(
                typeof(UnknownTaskException).FullName!,
                $"Task '{request.TaskId}' is not registered on the silo that picked up the run.",
                Code: TaskRunErrorCodes.TaskNotFound);
            return Failure(error, retryable: false);
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
            return Failure(error, retryable: false);
        }

        await using var scope = services.CreateAsyncScope();
        var taskLogger = new RunScopedLogger(loggerFactory.CreateLogger(descriptor.TaskType), request);
        var context = new RunContext(request, taskLogger);
        Task<object?> work;
        try
        {
            var task = (ITaskDefinition)ActivatorUtilities.CreateInstance(scope.ServiceProvider, descriptor.TaskType);
            work = descriptor.Invoker.InvokeAsync(task, payload, context, running.Token);
        }
        catch (Exception exception)
        {
            return Classify(exception, running);
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
                return new AttemptOutcome { Attempt = request.Attempt, Kind = AttemptOutcomeKind.TimedOut, Error = error, Retryable = false, EndedAt = time.GetUtcNow() };
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
            return Classify(exception, running);
        }

        try
        {
            var outputJson = descriptor.Invoker.SerializeOutput(output);
            return new AttemptOutcome { Attempt = request.Attempt, Kind = AttemptOutcomeKind.Succeeded, OutputJson = outputJson, EndedAt = time.GetUtcNow() };
        }
        catch (Exception exception) when (exception is JsonException or NotSupportedException or InvalidOperationException)
        {
            var error = TaskRunError.FromException(exception, TaskRunErrorCodes.OutputNotSerializable);
            return Failure(error with { Message = $"The output of task '{descriptor.Id}' could not be serialized to JSON: {exception.Message}" }, retryable: false);
        }

        AttemptOutcome Failure(TaskRunError error, bool retryable) =>
            new() { Attempt = request.Attempt, Kind = AttemptOutcomeKind.Failed, Error = error, Retryable = retryable, EndedAt = time.GetUtcNow() };
    }

    private AttemptOutcome Classify(Exception exception, RunningAttempt running)
    {
        var request = running.Request;
        var endedAt = time.GetUtcNow();
        if (exception is OperationCanceledException && running.IsCancelRequested)
        {
            var cancelled = TaskRunError.FromException(exception, TaskRunErrorCodes.Cancelled);
            return new AttemptOutcome { Attempt = request.Attempt, Kind = AttemptOutcomeKind.Canceled, Error = cancelled, Retryable = false, EndedAt = endedAt };
        }

        if (exception is AbortTaskRunException)
        {
            var aborted = TaskRunError.FromException(exception, TaskRunErrorCodes.Aborted);
            return new AttemptOutcome { Attempt = request.Attempt, Kind = AttemptOutcomeKind.Failed, Error = aborted, Retryable = false, EndedAt = endedAt };
        }

        return new AttemptOutcome { Attempt = request.Attempt, Kind = AttemptOutcomeKind.Failed, Error = TaskRunError.FromException(exception), EndedAt = endedAt };
    }

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

    private sealed class RunningAttempt(AttemptRequest request) : IDisposable
    {
        private readonly CancellationTokenSource _cancellation = new();
        private int _cancelRequested;
        private int _abandoned;

        public AttemptRequest Request { get; } = request;

        public CancellationToken Token => _cancellation.Token;

        public bool IsCancelRequested => Volatile.Read(ref _cancelRequested) == 1;

        public bool IsAbandoned => Volatile.Read(ref _abandoned) == 1;

        public void Abandon()
        {
            Interlocked.Exchange(ref _abandoned, 1);
            Cancel();
        }

        public void Cancel()
        {
            Interlocked.Exchange(ref _cancelRequested, 1);
            TryCancel();
        }

        public void TimeOut() => TryCancel();

        public void Dispose() => _cancellation.Dispose();

        private void TryCancel()
        {
            try
            {
                _cancellation.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The attempt has ended and been cleaned up; there is nothing left to cancel.
            }
            catch (AggregateException)
            {
                // A callback registered by task code threw while cancelling; the attempt ends either way.
            }
        }
    }
}
