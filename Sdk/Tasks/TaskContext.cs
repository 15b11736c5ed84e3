using Microsoft.Extensions.Logging;

namespace OrleansTasks;

/// <summary>
/// The run an attempt belongs to, handed to <see cref="TaskDefinition{TPayload, TOutput}.RunAsync"/>: its ids,
/// the attempt number, the run's tags and a logger scoped to the run.
/// </summary>
/// <remarks>
/// The engine provides the implementation; a test of a task's code may derive its own.
/// <para>
/// Durable operations (steps, waits, child runs, tokens) are recorded in the run's journal as they complete. When a
/// run resumes after a long wait, or continues on another silo after its silo died, <c>RunAsync</c> runs again from the
/// top and each recorded operation returns its recorded result at once, in order, until the code reaches the first
/// one not yet recorded. Code outside these operations runs again: put side effects that must not repeat in
/// <see cref="StepAsync{T}(string, Func{CancellationToken, Task{T}}, CancellationToken)"/>.
/// </para>
/// </remarks>
public abstract class TaskContext
{
    private static readonly AsyncLocal<TaskContext?> s_current = new();

    /// <summary>The run the calling code is executing in, or null outside a run.</summary>
    public static TaskContext? Current => s_current.Value;

    /// <summary>The current run, or an error saying the operation only works inside a run.</summary>
    /// <exception cref="InvalidOperationException">Called outside a running task.</exception>
    internal static TaskContext Require(string operation) =>
        s_current.Value ?? throw new InvalidOperationException(
            $"{operation} only works inside a running task (from RunAsync). From a service, use ITaskClient instead.");

    /// <summary>Makes <paramref name="context"/> the current run for the calling flow; for the engine that runs attempts.</summary>
    protected static void SetCurrent(TaskContext? context) => s_current.Value = context;
    /// <summary>The run id, <c>run_…</c>.</summary>
    public abstract string RunId { get; }

    /// <summary>The task id.</summary>
    public abstract string TaskId { get; }

    /// <summary>The attempt number, from 1.</summary>
    public abstract int Attempt { get; }

    /// <summary>The run's tags.</summary>
    public abstract IReadOnlyList<string> Tags { get; }

    /// <summary>The queue the run went through.</summary>
    public abstract string Queue { get; }

    /// <summary>The machine preset the run asked for.</summary>
    public abstract MachinePreset Machine { get; }

    /// <summary>When the run was triggered.</summary>
    public abstract DateTimeOffset CreatedAt { get; }

    /// <summary>
    /// A logger for the run: entries are stored with the run (level, message, properties, time, attempt) and returned
    /// by <c>Runs.GetLogsAsync</c>, and also go to the silo's own logging with the run id, task id and attempt in scope.
    /// A line written again when the run replays after a wait is stored once.
    /// </summary>
    public abstract ILogger Logger { get; }

    /// <summary>The run's metadata: set, append, increment, read back; <see cref="RunMetadata.Parent"/> and <see cref="RunMetadata.Root"/> for the parent's and root's.</summary>
    public abstract RunMetadata Metadata { get; }

    /// <summary>The run's data streams: pipe or append chunks (LLM tokens, say) that readers follow live.</summary>
    public abstract RunStreams Streams { get; }

    /// <summary>What <c>InitAsync</c> returned in this execution; null before it ran or when the task has none.</summary>
    public object? InitResult { get; protected internal set; }

    /// <summary>Values shared by middleware, hooks and <c>RunAsync</c> in this execution (Trigger.dev's <c>locals</c>).</summary>
    public TaskLocals Locals => LazyInitializer.EnsureInitialized(ref _locals);

    private TaskLocals? _locals;

    /// <summary>
    /// Runs <paramref name="action"/> in an OpenTelemetry span named <paramref name="name"/>, a child of the attempt's
    /// span (Trigger.dev's <c>logger.trace</c>). The span records the exception if the action throws. The activity is null
    /// when nothing listens to the <c>OrleansTasks</c> source.
    /// </summary>
    public async Task<T> TraceAsync<T>(string name, Func<System.Diagnostics.Activity?, Task<T>> action)
    {
        Guard.NotBlank(name);
        ArgumentNullException.ThrowIfNull(action);
        using var activity = OrleansTasksTelemetry.Source.StartActivity(name);
        activity?.SetTag(OrleansTasksTelemetry.RunIdTag, RunId);
        try
        {
            return await action(activity).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            OrleansTasksTelemetry.RecordException(activity, exception);
            throw;
        }
    }

    /// <summary>Runs <paramref name="action"/> in an OpenTelemetry span, as <see cref="TraceAsync{T}(string, Func{System.Diagnostics.Activity?, Task{T}})"/>.</summary>
    public Task TraceAsync(string name, Func<System.Diagnostics.Activity?, Task> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        return TraceAsync(name, async activity =>
        {
            await action(activity).ConfigureAwait(false);
            return true;
        });
    }

    /// <summary>
    /// Runs <paramref name="action"/> once for this attempt and records its result; when the run replays, the recorded
    /// result is returned and the action does not run again. A step that throws is not recorded (it runs again on
    /// replay). The name identifies the step: the same code must call the same step at the same place on replay.
    /// </summary>
    /// <param name="name">The step's name, for the journal and the non-determinism check.</param>
    /// <param name="action">
    /// The side effect; its result must serialize to JSON. Its token fires when the attempt's does (the run was
    /// cancelled or ran out of time) or when <paramref name="cancellationToken"/> does.
    /// </param>
    /// <param name="cancellationToken">
    /// Stops the step: one that has fired already throws <see cref="OperationCanceledException"/> before the action
    /// runs, and the action sees it fire. A step that throws is not recorded, so a replay runs it again.
    /// </param>
    /// <remarks>
    /// The record is exactly-once; the side effect is at-least-once: if the process dies after the side effect and
    /// before its record is committed, the replay runs the step again. Hand <see cref="StepIdempotencyKey"/> to the
    /// system the step calls, so it can recognize the second call.
    /// </remarks>
    public abstract Task<T> StepAsync<T>(string name, Func<CancellationToken, Task<T>> action, CancellationToken cancellationToken = default);

    /// <summary>
    /// Inside a step's action: a key for this step that is the same on every replay and every attempt of this run
    /// that reaches this step (the run id, the step's place in the code and its name). Pass it to an external system
    /// that deduplicates requests (a payment provider's idempotency key, a unique column) so a step that runs again
    /// after a crash changes nothing twice.
    /// </summary>
    /// <exception cref="InvalidOperationException">Read outside a step's action.</exception>
    public abstract string StepIdempotencyKey { get; }

    /// <summary>Runs <paramref name="action"/> once for this attempt, as <see cref="StepAsync{T}(string, Func{CancellationToken, Task{T}}, CancellationToken)"/>.</summary>
    public Task StepAsync(string name, Func<CancellationToken, Task> action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(action);
        return StepAsync(name, async token =>
        {
            await action(token).ConfigureAwait(false);
            return true;
        }, cancellationToken);
    }

    /// <summary>Triggers a child run and goes on without waiting. Recorded, so a replay never triggers it twice.</summary>
    /// <param name="item">The child: its task, payload and options.</param>
    /// <param name="cancellationToken">
    /// One that has fired already throws <see cref="OperationCanceledException"/> and nothing is triggered; once the
    /// trigger is sent it is recorded and stands.
    /// </param>
    public abstract Task<RunHandle> TriggerAsync(BatchTaskItem item, CancellationToken cancellationToken = default);

    /// <summary>Triggers a child run and waits for it to end. The run releases its concurrency slot while it waits.</summary>
    /// <param name="item">The child: its task, payload and options.</param>
    /// <param name="cancellationToken">
    /// Stops waiting (see <see cref="Wait"/>): the call throws <see cref="OperationCanceledException"/>, the child is
    /// not cancelled and runs on, and a replay throws at the same place. One that has fired already triggers nothing.
    /// </param>
    public abstract Task<TaskRunResult> TriggerAndWaitAsync(BatchTaskItem item, CancellationToken cancellationToken = default);

    /// <summary>Triggers up to 1,000 child runs, of one task or several, and goes on without waiting.</summary>
    /// <exception cref="BatchTooLargeException">More than 1,000 items.</exception>
    public abstract Task<BatchHandle> BatchTriggerAsync(IEnumerable<BatchTaskItem> items, CancellationToken cancellationToken = default);

    /// <summary>Triggers up to 1,000 child runs, of one task or several, and waits for all; results come in item order.</summary>
    /// <param name="items">The children.</param>
    /// <param name="cancellationToken">Stops waiting, as for <see cref="TriggerAndWaitAsync(BatchTaskItem, CancellationToken)"/>.</param>
    /// <exception cref="BatchTooLargeException">More than 1,000 items.</exception>
    public abstract Task<IReadOnlyList<TaskRunResult>> BatchTriggerAndWaitAsync(IEnumerable<BatchTaskItem> items, CancellationToken cancellationToken = default);

    /// <summary>
    /// Waits until <paramref name="until"/>; <see cref="Wait"/> is the way to call it. A wait already in the journal is
    /// answered from it (a replay never throws for a moment that has passed since).
    /// </summary>
    protected internal abstract Task WaitUntilAsync(DateTimeOffset until, bool isDuration, bool throwIfInThePast, CancellationToken cancellationToken);

    /// <summary>The clock of the silo running the attempt: waits for a duration count from its now.</summary>
    protected internal virtual TimeProvider Time => TimeProvider.System;

    /// <summary>Creates a waitpoint token; <see cref="Wait.CreateTokenAsync"/> is the way to call it.</summary>
    protected internal abstract Task<WaitpointToken> CreateTokenAsync(WaitTokenOptions options, CancellationToken cancellationToken);

    /// <summary>Waits for a token; <see cref="Wait.ForTokenAsync{T}(string, CancellationToken)"/> is the way to call it.</summary>
    protected internal abstract Task<(bool IsSuccess, string? OutputJson, TaskRunError? Error)> WaitForTokenAsync(string tokenId, CancellationToken cancellationToken);
}
