namespace OrleansTasks;

/// <summary>Reads and controls runs; <see cref="ITaskClient.Runs"/>.</summary>
public interface IRunsClient
{
    /// <summary>The run as it is now: status, attempts, payload, output, error, timestamps.</summary>
    /// <exception cref="RunNotFoundException">No run has this id.</exception>
    Task<TaskRun> RetrieveAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Cancels the run: a queued run at once; an executing run is marked <c>CANCELED</c> at once and its attempt's
    /// cancellation token fires. A run that is already final is left as it is. Returns the run after the call.
    /// </summary>
    /// <exception cref="RunNotFoundException">No run has this id.</exception>
    Task<TaskRun> CancelAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>Waits until the run is final and returns it. The run pushes its end to the caller; nothing polls the database.</summary>
    /// <param name="runId">The run.</param>
    /// <param name="cancellationToken">Stops waiting (the run goes on).</param>
    /// <exception cref="RunNotFoundException">No run has this id.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first.</exception>
    Task<TaskRun> PollAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>Moves a <c>DELAYED</c> run's start to <paramref name="delayUntil"/>; a moment in the past queues it now.</summary>
    /// <exception cref="RunNotFoundException">No run has this id.</exception>
    /// <exception cref="InvalidRunOperationException">The run is not <c>DELAYED</c>.</exception>
    Task<TaskRun> RescheduleAsync(string runId, DateTimeOffset delayUntil, CancellationToken cancellationToken = default);

    /// <summary>Moves a <c>DELAYED</c> run's start to <paramref name="delay"/> from now.</summary>
    /// <exception cref="RunNotFoundException">No run has this id.</exception>
    /// <exception cref="InvalidRunOperationException">The run is not <c>DELAYED</c>.</exception>
    Task<TaskRun> RescheduleAsync(string runId, TimeSpan delay, CancellationToken cancellationToken = default);
}
