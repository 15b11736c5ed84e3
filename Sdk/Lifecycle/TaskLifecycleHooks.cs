namespace OrleansTasks;

/// <summary>
/// Hooks for every task on the silo (Trigger.dev's global hooks, <c>tasks.onStart</c> and friends). Derive from this
/// class, override the hooks you need, and register it with <c>AddLifecycleHooks&lt;T&gt;()</c> on the silo builder. One
/// instance is created per execution, from the silo's services. A global hook runs before the task's own hook of the
/// same name, except <see cref="CatchErrorAsync"/>, which is asked only when the task's own does not decide.
/// </summary>
/// <remarks>
/// The order and what an exception in each hook does are those of <see cref="TaskDefinition{TPayload, TOutput}"/>'s hooks.
/// </remarks>
public abstract class TaskLifecycleHooks
{
    /// <summary>Before the first attempt of a run, once. An exception fails the attempt.</summary>
    public virtual Task OnStartAsync(object? payload, TaskContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>When the run starts waiting. An exception fails the attempt.</summary>
    public virtual Task OnWaitAsync(object? payload, WaitInfo wait, TaskContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>When the run comes back from a wait. An exception fails the attempt.</summary>
    public virtual Task OnResumeAsync(object? payload, WaitInfo wait, TaskContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Decides about a failed attempt when the task's own <c>CatchErrorAsync</c> returned null; null keeps the policy.</summary>
    public virtual Task<CatchErrorResult?> CatchErrorAsync(object? payload, AttemptError error, TaskContext context, CancellationToken cancellationToken) =>
        Task.FromResult<CatchErrorResult?>(null);

    /// <summary>After the run succeeded. An exception is logged and ignored.</summary>
    public virtual Task OnSuccessAsync(object? payload, object? output, TaskContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>After the run ended without success, whatever the status. An exception is logged and ignored.</summary>
    public virtual Task OnFailureAsync(object? payload, TaskFailure failure, TaskContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>After the run ended, either way, after <see cref="OnSuccessAsync"/> or <see cref="OnFailureAsync"/>. An exception is logged and ignored.</summary>
    public virtual Task OnCompleteAsync(object? payload, TaskRunResult result, TaskContext context, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// When the run is cancelled while its code executes, alongside the code's cancellation. <paramref name="run"/>
    /// completes when the code has stopped; <paramref name="cancellationToken"/> fires when the time to finish
    /// (<c>OrleansTasks:CancelTimeout</c>, 30 s by default) is up. An exception is logged and ignored.
    /// </summary>
    public virtual Task OnCancelAsync(object? payload, Task run, TaskContext context, CancellationToken cancellationToken) => Task.CompletedTask;
}
