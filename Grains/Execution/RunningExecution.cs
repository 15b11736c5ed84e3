namespace OrleansTasks.Execution;

/// <summary>One execution the executor is running: its request, its cancellation, and how it is being stopped.</summary>
internal sealed class RunningExecution(AttemptRequest request) : IDisposable
{
    private readonly TaskCompletionSource _cancelRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _abandoned;

    public AttemptRequest Request { get; } = request;

    public CancellationTokenSource Cancellation { get; } = new();

    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The execution this one replaces, still unwinding when this one was started.</summary>
    public Task? Previous { get; set; }

    public RunContext? Context { get; set; }

    /// <summary>Completes when the run is cancelled while this execution runs.</summary>
    public Task CancelRequested => _cancelRequested.Task;

    public bool IsCancelRequested => _cancelRequested.Task.IsCompleted;

    public bool IsAbandoned => Volatile.Read(ref _abandoned) == 1;

    public void Cancel()
    {
        _cancelRequested.TrySetResult();
        TryCancel();
    }

    /// <summary>Drops the execution's outcome from now on, without stopping its code yet.</summary>
    public void MarkAbandoned() => Interlocked.Exchange(ref _abandoned, 1);

    public void Abandon()
    {
        MarkAbandoned();
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
