namespace OrleansTasks.Execution;

/// <summary>
/// Thrown into a task's code when its run suspends (or its execution is superseded): the attempt's code unwinds and
/// continues by replay when the run resumes. It derives from <see cref="OperationCanceledException"/> so code that
/// lets cancellation through lets it through too.
/// </summary>
internal sealed class RunSuspendedException : OperationCanceledException
{
    public RunSuspendedException(CancellationToken token)
        : base("The run is suspending: this execution of the attempt unwinds and continues by replay when the run resumes.", token)
    {
    }
}
