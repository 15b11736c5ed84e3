namespace OrleansTasks;

/// <summary>The lifecycle hooks a task may override (Trigger.dev's hooks and task middleware).</summary>
/// <remarks>
/// One execution of an attempt runs, in order:
/// <list type="number">
/// <item>the silo's middleware (<see cref="ITaskMiddleware"/>), then the task's <see cref="MiddlewareAsync"/>;</item>
/// <item><see cref="InitAsync"/>, whose result is <see cref="TaskContext.InitResult"/> for <c>RunAsync</c> and the later hooks;</item>
/// <item><see cref="OnStartAsync"/>, on the run's first attempt only (recorded, so a replay does not repeat it);</item>
/// <item><see cref="OnResumeAsync"/>, when this execution continues the code after a wait that suspended the run;</item>
/// <item><c>RunAsync</c>, during which <see cref="OnWaitAsync"/> and <see cref="OnResumeAsync"/> bracket each wait;</item>
/// <item>on an error, <see cref="CatchErrorAsync"/>, which may change the retry decision or the error;</item>
/// <item>when the run ends: <see cref="OnSuccessAsync"/> or <see cref="OnFailureAsync"/>, then <see cref="OnCompleteAsync"/>;</item>
/// <item><see cref="CleanupAsync"/>, after every execution that ran <see cref="InitAsync"/>.</item>
/// </list>
/// An exception in middleware (before its <c>next</c> completes), <see cref="InitAsync"/>, <see cref="OnStartAsync"/>,
/// <see cref="OnWaitAsync"/> or <see cref="OnResumeAsync"/> fails the attempt like one from <c>RunAsync</c>. One in
/// <see cref="OnSuccessAsync"/>, <see cref="OnFailureAsync"/>, <see cref="OnCompleteAsync"/>, <see cref="OnCancelAsync"/>,
/// <see cref="CatchErrorAsync"/> or <see cref="CleanupAsync"/> is written to the run's logs and ignored: the outcome
/// is decided by then. <see cref="OnFailureAsync"/> is called for every run that ends without success (failed, timed
/// out, cancelled, crashed), not only for failures the code threw. When a run resumes after a wait its code runs
/// again from the top, so middleware and <see cref="InitAsync"/> run again and <see cref="CleanupAsync"/> runs after
/// each execution.
/// </remarks>
public abstract partial class TaskDefinition<TPayload, TOutput>
{
    /// <summary>Wraps this task's attempts, after the silo's middleware. Call <paramref name="next"/> to go on.</summary>
    public virtual Task MiddlewareAsync(TPayload payload, TaskContext context, Func<Task> next, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(next);
        return next();
    }

    /// <summary>Runs before each execution of an attempt; the result becomes <see cref="TaskContext.InitResult"/>.</summary>
    public virtual Task<object?> InitAsync(TPayload payload, TaskContext context, CancellationToken cancellationToken) => Task.FromResult<object?>(null);

    /// <summary>Runs once per run, before the first attempt's <c>RunAsync</c>.</summary>
    public virtual Task OnStartAsync(TPayload payload, TaskContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs when the run starts waiting (a duration, a token, child runs); typically closes connections.</summary>
    public virtual Task OnWaitAsync(TPayload payload, WaitInfo wait, TaskContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs when the run comes back from a wait, before its code continues.</summary>
    public virtual Task OnResumeAsync(TPayload payload, WaitInfo wait, TaskContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Decides about a failed attempt: return null (or <see cref="CatchErrorResult.AsPlanned"/>) to retry as
    /// <see cref="Retry"/> says, or a <see cref="CatchErrorResult"/> to skip retrying, retry at a moment or after a
    /// delay, or record another error. Not asked for errors that are never retried (an abort, an invalid payload).
    /// </summary>
    public virtual Task<CatchErrorResult?> CatchErrorAsync(TPayload payload, AttemptError error, TaskContext context, CancellationToken cancellationToken) =>
        Task.FromResult<CatchErrorResult?>(null);

    /// <summary>Runs after the run succeeded, with its output.</summary>
    public virtual Task OnSuccessAsync(TPayload payload, TOutput output, TaskContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs after the run ended without success: its last attempt failed, it timed out, was cancelled or crashed.</summary>
    public virtual Task OnFailureAsync(TPayload payload, TaskFailure failure, TaskContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs after the run ended, either way, after <see cref="OnSuccessAsync"/> or <see cref="OnFailureAsync"/>.</summary>
    public virtual Task OnCompleteAsync(TPayload payload, TaskRunResult<TOutput> result, TaskContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs after each execution that ran <see cref="InitAsync"/>, however it ended.</summary>
    public virtual Task CleanupAsync(TPayload payload, TaskContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Runs when the run is cancelled while its code executes, alongside the code's cancellation. <paramref name="run"/>
    /// completes when the code has stopped; <paramref name="cancellationToken"/> fires when the time to finish
    /// (<c>OrleansTasks:CancelTimeout</c>, 30 s by default) is up.
    /// </summary>
    public virtual Task OnCancelAsync(TPayload payload, Task run, TaskContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The task's hooks as the engine calls them, with the payload untyped.</summary>
    internal TaskLifecycleHooks AsLifecycleHooks() => new TypedHooks(this);

    /// <summary>Presents this task's typed hooks as global-style hooks, so the engine calls both kinds the same way.</summary>
    private sealed class TypedHooks(TaskDefinition<TPayload, TOutput> task) : TaskLifecycleHooks
    {
        public override Task OnStartAsync(object? payload, TaskContext context, CancellationToken cancellationToken) =>
            task.OnStartAsync((TPayload)payload!, context, cancellationToken);

        public override Task OnWaitAsync(object? payload, WaitInfo wait, TaskContext context, CancellationToken cancellationToken) =>
            task.OnWaitAsync((TPayload)payload!, wait, context, cancellationToken);

        public override Task OnResumeAsync(object? payload, WaitInfo wait, TaskContext context, CancellationToken cancellationToken) =>
            task.OnResumeAsync((TPayload)payload!, wait, context, cancellationToken);

        public override Task<CatchErrorResult?> CatchErrorAsync(object? payload, AttemptError error, TaskContext context, CancellationToken cancellationToken) =>
            task.CatchErrorAsync((TPayload)payload!, error, context, cancellationToken);

        public override Task OnSuccessAsync(object? payload, object? output, TaskContext context, CancellationToken cancellationToken) =>
            task.OnSuccessAsync((TPayload)payload!, (TOutput)output!, context, cancellationToken);

        public override Task OnFailureAsync(object? payload, TaskFailure failure, TaskContext context, CancellationToken cancellationToken) =>
            task.OnFailureAsync((TPayload)payload!, failure, context, cancellationToken);

        public override Task OnCompleteAsync(object? payload, TaskRunResult result, TaskContext context, CancellationToken cancellationToken) =>
            task.OnCompleteAsync((TPayload)payload!, result.As<TOutput>(), context, cancellationToken);

        public override Task OnCancelAsync(object? payload, Task run, TaskContext context, CancellationToken cancellationToken) =>
            task.OnCancelAsync((TPayload)payload!, run, context, cancellationToken);
    }
}
