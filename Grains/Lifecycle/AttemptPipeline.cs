using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansTasks.Execution;
using OrleansTasks.Registry;
using OrleansTasks.Runs;

namespace OrleansTasks.Lifecycle;

/// <summary>
/// One execution of an attempt with everything around the task's code: middleware, <c>InitAsync</c>, the hooks, the
/// maximum duration, cancellation with its time to finish, the retry decision of <c>CatchErrorAsync</c>, and the
/// attempt's span. Returns the outcome the executor reports. The order and which hook's exception fails the attempt
/// are documented on <see cref="TaskDefinition{TPayload, TOutput}"/>.
/// </summary>
internal sealed partial class AttemptPipeline
{
    private readonly TaskDescriptor _descriptor;
    private readonly RunningExecution _running;
    private readonly AttemptRequest _request;
    private readonly RunContext _context;
    private readonly ITaskDefinition _task;
    private readonly object? _payload;
    private readonly IServiceProvider _services;
    private readonly TaskRegistry _registry;
    private readonly TimeProvider _time;
    private readonly TimeSpan _cancelTimeout;
    private readonly ILogger _logger;
    private readonly HookSet _hooks;
    private HookCalls? _calls;
    private TaskLifecycleHooks[]? _hookInstances;

    public AttemptPipeline(
        TaskDescriptor descriptor,
        RunningExecution running,
        RunContext context,
        ITaskDefinition task,
        object? payload,
        IServiceProvider services,
        TaskRegistry registry,
        TimeProvider time,
        TimeSpan cancelTimeout,
        ILogger logger)
    {
        _descriptor = descriptor;
        _running = running;
        _request = running.Request;
        _context = context;
        _task = task;
        _payload = payload;
        _services = services;
        _registry = registry;
        _time = time;
        _cancelTimeout = cancelTimeout;
        _logger = logger;
        _hooks = descriptor.Hooks | registry.GlobalHooks;
        if (_hooks.Has(HookSet.OnWait | HookSet.OnResume))
        {
            context.WaitHooks = OnWaitOrResumeAsync;
        }
    }

    /// <summary>Runs the execution and returns its outcome.</summary>
    public async Task<AttemptOutcome> RunAsync()
    {
        using var activity = StartAttemptActivity();
        _context.Enter();
        AttemptOutcome? outcome = null;
        Exception? failure = null;
        try
        {
            await MiddlewareAsync(0, async () => outcome = await CoreAsync().ConfigureAwait(false)).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            failure = exception;
        }

        if (outcome is null)
        {
            // Middleware failed before the attempt ran (or never called next): the attempt fails like any other.
            failure ??= new InvalidOperationException("Middleware returned without calling next, so the attempt's code never ran.");
            outcome = await FailAsync(failure).ConfigureAwait(false);
        }
        else if (failure is not null)
        {
            LogHookFailed(failure, "middleware (after the attempt)");
        }

        if (activity is not null)
        {
            activity.SetTag("orleanstasks.outcome", outcome.Kind.ToString());
            if (outcome.Error is { } error)
            {
                activity.SetStatus(ActivityStatusCode.Error, error.Message);
            }
        }

        return _calls?.Recorded is { } hooks ? outcome with { Hooks = hooks } : outcome;
    }

    /// <summary>Runs only the failure hooks of a run that ended while its code was not running (crashed, or cancelled while queued or waiting).</summary>
    public async Task RunFinalHooksAsync(TaskFailure failure)
    {
        using var activity = StartAttemptActivity();
        _context.Enter();
        try
        {
            await MiddlewareAsync(0, () => EndedHooksAsync(failure, outputJson: null, output: null)).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            LogHookFailed(exception, "middleware (final hooks)");
        }
    }

    private Activity? StartAttemptActivity()
    {
        ActivityContext.TryParse(_request.TraceParent, null, isRemote: true, out var parent);
        var name = _request.FinalFailure is null ? $"attempt {_request.TaskId}" : $"final hooks {_request.TaskId}";
        var activity = OrleansTasksTelemetry.Source.StartActivity(name, ActivityKind.Internal, parent);
        activity?.SetTag(OrleansTasksTelemetry.RunIdTag, _request.RunId)
            .SetTag(OrleansTasksTelemetry.TaskIdTag, _request.TaskId)
            .SetTag(OrleansTasksTelemetry.AttemptTag, _request.Attempt)
            .SetTag("orleanstasks.execution", _request.Execution);
        return activity;
    }

    private Task MiddlewareAsync(int index, Func<Task> core)
    {
        if (!_hooks.Has(HookSet.Middleware))
        {
            return core();
        }

        var global = _registry.MiddlewareTypes;
        if (index < global.Count)
        {
            var middleware = (ITaskMiddleware)_services.GetRequiredService(global[index]);
            return middleware.InvokeAsync(_payload, _context, () => MiddlewareAsync(index + 1, core), _running.Cancellation.Token);
        }

        return _descriptor.Hooks.Has(HookSet.Middleware)
            ? _descriptor.Invoker.MiddlewareAsync(_task, _payload, _context, core, _running.Cancellation.Token)
            : core();
    }

    private async Task<AttemptOutcome> CoreAsync()
    {
        try
        {
            Task<object?> work;
            try
            {
                if (_descriptor.Hooks.Has(HookSet.Init))
                {
                    using var call = Calls.Start("InitAsync");
                    try
                    {
                        _context.InitResult = await _descriptor.Invoker.InitAsync(_task, _payload, _context, _running.Cancellation.Token).ConfigureAwait(false);
                    }
                    catch (Exception exception)
                    {
                        call.Failed(exception);
                        throw;
                    }
                }

                if (_hooks.Has(HookSet.OnStart) && _request.Attempt == 1)
                {
                    // Recorded in the journal, so replays of the first attempt do not start the run again.
                    await _context.OnceAsync("hooks.onStart", "OnStartAsync", () =>
                        EachAsync("OnStartAsync", h => h.OnStartAsync(_payload, _context, _running.Cancellation.Token), failsAttempt: true)).ConfigureAwait(false);
                }

                work = _descriptor.Invoker.InvokeAsync(_task, _payload, _context, _running.Cancellation.Token);
            }
            catch (Exception exception)
            {
                return await FailAsync(exception).ConfigureAwait(false);
            }

            object? output;
            try
            {
                output = await AwaitCodeAsync(work).ConfigureAwait(false);
            }
            catch (AttemptTimedOutException timedOut)
            {
                var error = new TaskRunError(typeof(TimeoutException).FullName!, timedOut.Message, Code: TaskRunErrorCodes.MaxDurationExceeded);
                await EndedHooksAsync(new TaskFailure(RunStatus.TimedOut, error, timedOut), null, null).ConfigureAwait(false);
                return Outcome(AttemptOutcomeKind.TimedOut, error: error, retryable: false);
            }
            catch (Exception exception)
            {
                return await FailAsync(exception).ConfigureAwait(false);
            }

            if (Forced() is { } forced)
            {
                return forced;
            }

            if (_running.IsCancelRequested)
            {
                return await FailAsync(new OperationCanceledException("The run was cancelled.")).ConfigureAwait(false);
            }

            string outputJson;
            try
            {
                outputJson = _descriptor.Invoker.SerializeOutput(output);
            }
            catch (Exception exception) when (exception is JsonException or NotSupportedException or InvalidOperationException)
            {
                var error = TaskRunError.FromException(exception, TaskRunErrorCodes.OutputNotSerializable)
                    with { Message = $"The output of task '{_descriptor.Id}' could not be serialized to JSON: {exception.Message}" };
                return await FinalFailureAsync(RunStatus.Failed, error, exception).ConfigureAwait(false);
            }

            await EndedHooksAsync(failure: null, outputJson, output).ConfigureAwait(false);
            return Outcome(AttemptOutcomeKind.Succeeded, outputJson: outputJson);
        }
        finally
        {
            if (_descriptor.Hooks.Has(HookSet.Cleanup))
            {
                using var call = Calls.Start("CleanupAsync");
                await GuardedAsync("CleanupAsync", () => _descriptor.Invoker.CleanupAsync(_task, _payload, _context, _running.Cancellation.Token), call).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Awaits the task's code within its maximum duration. A cancel starts the <c>OnCancelAsync</c> hooks and gives the
    /// code the cancel timeout to stop; the attempt is over at its deadline even if the code ignores its token, and
    /// whatever the code does after is only logged.
    /// </summary>
    private async Task<object?> AwaitCodeAsync(Task<object?> work)
    {
        if (work.IsCompleted && !_running.IsCancelRequested)
        {
            return await work.ConfigureAwait(false);
        }

        using var deadlineStop = new CancellationTokenSource();
        var deadline = _request.MaxDuration is { } maxDuration ? Task.Delay(maxDuration, _time, deadlineStop.Token) : null;
        try
        {
            var first = deadline is null
                ? await Task.WhenAny(work, _running.CancelRequested).ConfigureAwait(false)
                : await Task.WhenAny(work, deadline, _running.CancelRequested).ConfigureAwait(false);
            if (first == deadline && !work.IsCompleted)
            {
                _running.TimeOut();
                ObserveLateEnd(work);
                throw new AttemptTimedOutException(_request.MaxDuration!.Value);
            }

            if (_running.IsCancelRequested)
            {
                // Cancelled: the token has fired; the hooks and the code get the cancel timeout to finish.
                var onCancel = _hooks.Has(HookSet.OnCancel) ? OnCancelAsync(work) : Task.CompletedTask;
                var grace = Task.Delay(_cancelTimeout, _time, deadlineStop.Token);
                var stopped = await Task.WhenAny(Task.WhenAll(work.ContinueWith(static _ => { }, TaskScheduler.Default), onCancel), grace).ConfigureAwait(false);
                if (stopped == grace)
                {
                    ObserveLateEnd(work);
                    throw new OperationCanceledException($"The run was cancelled and its code did not stop within {_cancelTimeout}.");
                }
            }

            return await work.ConfigureAwait(false);
        }
        finally
        {
            await deadlineStop.CancelAsync().ConfigureAwait(false);
        }
    }

    private async Task OnCancelAsync(Task work)
    {
        using var timeout = new CancellationTokenSource(_cancelTimeout, _time);
        await EachAsync("OnCancelAsync", h => h.OnCancelAsync(_payload, work, _context, timeout.Token), failsAttempt: false).ConfigureAwait(false);
    }

    /// <summary>The attempt failed with <paramref name="exception"/>: classify it, let <c>CatchErrorAsync</c> decide, and run the hooks of a run that ends.</summary>
    private async Task<AttemptOutcome> FailAsync(Exception exception)
    {
        if (Forced() is { } forced)
        {
            return forced;
        }

        if (_running.IsCancelRequested)
        {
            var cancelled = TaskRunError.FromException(exception, TaskRunErrorCodes.Canceled);
            await EndedHooksAsync(new TaskFailure(RunStatus.Canceled, cancelled, exception), null, null).ConfigureAwait(false);
            return Outcome(AttemptOutcomeKind.Canceled, error: cancelled, retryable: false);
        }

        switch (exception)
        {
            case AbortTaskRunException:
                return await FinalFailureAsync(RunStatus.Failed, TaskRunError.FromException(exception, TaskRunErrorCodes.Aborted), exception).ConfigureAwait(false);
            case PayloadValidationException:
                return await FinalFailureAsync(RunStatus.Failed, TaskRunError.FromException(exception, TaskRunErrorCodes.InvalidPayload), exception).ConfigureAwait(false);
        }

        var now = _time.GetUtcNow();
        var retryAt = Runs.StateMachine.RunMachine.RetryAt(_request.Retry, _request.Attempt, _request.MaxAttempts, now);
        var recorded = exception;
        if (_hooks.Has(HookSet.CatchError) && await CatchErrorAsync(new AttemptError(exception, retryAt)).ConfigureAwait(false) is { } decision)
        {
            recorded = decision.Error ?? exception;
            if (decision.SkipRetrying)
            {
                retryAt = null;
            }
            else if (_request.Attempt < _request.MaxAttempts)
            {
                retryAt = decision.RetryAt ?? (decision.RetryDelay is { } delay ? now + delay : retryAt);
            }
        }

        var error = TaskRunError.FromException(recorded);
        if (retryAt is null)
        {
            return await FinalFailureAsync(RunStatus.Failed, error, recorded).ConfigureAwait(false);
        }

        return Outcome(AttemptOutcomeKind.Failed, error: error, retryable: true) with { RetryAt = retryAt, EndedAt = now };
    }

    /// <summary>The task's own <c>CatchErrorAsync</c> first, then each global one, until one decides.</summary>
    private async Task<CatchErrorResult?> CatchErrorAsync(AttemptError error)
    {
        using var call = Calls.Start("CatchErrorAsync");
        var hooks = Instances();
        foreach (var hook in hooks.Skip(hooks.Length - 1).Concat(hooks.Take(hooks.Length - 1)))
        {
            try
            {
                using var scope = _context.BeginLogScope("CatchErrorAsync");
                if (await hook.CatchErrorAsync(_payload, error, _context, _running.Cancellation.Token).ConfigureAwait(false) is { } decision
                    && decision != CatchErrorResult.AsPlanned)
                {
                    return decision;
                }
            }
            catch (Exception exception)
            {
                call.Failed(exception);
                LogHookFailed(exception, "CatchErrorAsync");
            }
        }

        return null;
    }

    private async Task<AttemptOutcome> FinalFailureAsync(RunStatus status, TaskRunError error, Exception? exception)
    {
        await EndedHooksAsync(new TaskFailure(status, error, exception), null, null).ConfigureAwait(false);
        return Outcome(AttemptOutcomeKind.Failed, error: error, retryable: false);
    }

    /// <summary>The hooks of a run that has ended: <c>OnSuccessAsync</c> or <c>OnFailureAsync</c>, then <c>OnCompleteAsync</c>. Exceptions are logged.</summary>
    private async Task EndedHooksAsync(TaskFailure? failure, string? outputJson, object? output)
    {
        if (!_hooks.Has(HookSet.OnSuccess | HookSet.OnFailure | HookSet.OnComplete))
        {
            return;
        }

        // The attempt's token may have fired (a cancel, the deadline): these hooks get their own, bounded, time.
        using var timeout = new CancellationTokenSource(_cancelTimeout, _time);
        if (failure is null)
        {
            await EachAsync("OnSuccessAsync", h => h.OnSuccessAsync(_payload, output, _context, timeout.Token), failsAttempt: false).ConfigureAwait(false);
        }
        else
        {
            await EachAsync("OnFailureAsync", h => h.OnFailureAsync(_payload, failure, _context, timeout.Token), failsAttempt: false).ConfigureAwait(false);
        }

        var result = new TaskRunResult
        {
            IsSuccess = failure is null,
            RunId = _request.RunId,
            TaskId = _request.TaskId,
            Status = failure?.Status ?? RunStatus.Completed,
            OutputJson = outputJson,
            Error = failure?.Error,
        };
        await EachAsync("OnCompleteAsync", h => h.OnCompleteAsync(_payload, result, _context, timeout.Token), failsAttempt: false).ConfigureAwait(false);
    }

    private async Task OnWaitOrResumeAsync(WaitInfo wait, bool resuming, string key)
    {
        var name = resuming ? "OnResumeAsync" : "OnWaitAsync";
        if (!_hooks.Has(resuming ? HookSet.OnResume : HookSet.OnWait))
        {
            return;
        }

        await EachAsync(
            name,
            h => resuming ? h.OnResumeAsync(_payload, wait, _context, _running.Cancellation.Token) : h.OnWaitAsync(_payload, wait, _context, _running.Cancellation.Token),
            failsAttempt: true,
            logScope: $"{name}@{key}").ConfigureAwait(false);
    }

    /// <summary>Calls one hook on every hook class, global ones first, then the task's own.</summary>
    private async Task EachAsync(string name, Func<TaskLifecycleHooks, Task> invoke, bool failsAttempt, string? logScope = null)
    {
        using var call = Calls.Start(name);
        using var scope = _context.BeginLogScope(logScope ?? name);
        foreach (var hooks in Instances())
        {
            if (failsAttempt)
            {
                try
                {
                    await invoke(hooks).ConfigureAwait(false);
                }
                catch (Exception exception)
                {
                    call.Failed(exception);
                    throw;
                }
            }
            else
            {
                await GuardedAsync(name, () => invoke(hooks), call).ConfigureAwait(false);
            }
        }
    }

    private async Task GuardedAsync(string name, Func<Task> invoke, HookCalls.Call call)
    {
        try
        {
            await invoke().ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            call.Failed(exception);
            LogHookFailed(exception, name);
        }
    }

    /// <summary>The hook calls of this execution; made at the first hook, so a task without hooks pays nothing.</summary>
    private HookCalls Calls
    {
        get
        {
            if (_calls is null)
            {
                Interlocked.CompareExchange(ref _calls, new HookCalls(_time), null);
            }

            return _calls;
        }
    }

    private TaskLifecycleHooks[] Instances() =>
        _hookInstances ??= [.. _registry.GlobalHookTypes.Select(t => (TaskLifecycleHooks)_services.GetRequiredService(t)), _descriptor.Invoker.Hooks(_task)];

    /// <summary>
    /// An outcome the code cannot change: a suspended execution reports a suspension, and one that went against its
    /// journal fails, whatever the code did after (caught the exception, returned a value).
    /// </summary>
    private AttemptOutcome? Forced()
    {
        if (_context.NonDeterminism is { } nonDeterminism)
        {
            return Outcome(AttemptOutcomeKind.Failed, error: TaskRunError.FromException(nonDeterminism, TaskRunErrorCodes.NonDeterminism), retryable: false);
        }

        return _context.IsSuspended ? Outcome(AttemptOutcomeKind.Suspended) with { UnwoundWaits = _context.UnwoundWaits } : null;
    }

    private AttemptOutcome Outcome(AttemptOutcomeKind kind, string? outputJson = null, TaskRunError? error = null, bool retryable = true) =>
        _request.Outcome(kind, _time.GetUtcNow(), outputJson, error, retryable);

    private void ObserveLateEnd(Task<object?> work) =>
        work.ContinueWith(
            t => LogLateEnd(t.Exception?.GetBaseException(), _request.RunId, _request.Attempt),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);

    private void LogHookFailed(Exception exception, string hook)
    {
        // Into the run's own log, where its author looks, and the silo's.
        _context.Logger.LogError(exception, "{Hook} threw; the attempt's outcome stands.", hook);
    }

    /// <summary>Thrown inside the pipeline when the code passes its maximum duration.</summary>
    private sealed class AttemptTimedOutException(TimeSpan maxDuration)
        : TimeoutException($"The attempt ran past the maximum duration of {maxDuration} and was cancelled.");
}
