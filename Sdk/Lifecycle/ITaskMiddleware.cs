namespace OrleansTasks;

/// <summary>
/// Middleware around every attempt of every task (Trigger.dev's <c>tasks.middleware</c>): it runs before the task's
/// own middleware, hooks and <c>RunAsync</c>, and must call <c>next</c> for them to run. Register it with
/// <c>AddMiddleware&lt;T&gt;()</c> on the silo builder; one instance is created per execution, from the silo's services.
/// </summary>
/// <remarks>
/// Middleware runs again when a run resumes after a wait (its code runs again from the top). An exception thrown
/// before <c>next</c> completes fails the attempt; one thrown after it is only logged, since the attempt's outcome
/// and its hooks have already happened. Share values with hooks and <c>RunAsync</c> through
/// <see cref="TaskContext.Locals"/>.
/// </remarks>
public interface ITaskMiddleware
{
    /// <summary>Runs around one execution of an attempt.</summary>
    /// <param name="payload">The run's payload, deserialized into the task's payload type.</param>
    /// <param name="context">The run.</param>
    /// <param name="next">The rest of the attempt: later middleware, the hooks and <c>RunAsync</c>.</param>
    /// <param name="cancellationToken">Fires when the run is cancelled or the attempt passes its maximum duration.</param>
    Task InvokeAsync(object? payload, TaskContext context, Func<Task> next, CancellationToken cancellationToken);
}
