namespace OrleansTasks;

/// <summary>
/// A task: the base class every task derives from. Override <see cref="Id"/> and <see cref="RunAsync"/>; override
/// the option properties to change Trigger.dev's defaults.
/// </summary>
/// <typeparam name="TPayload">What a trigger passes in, as JSON.</typeparam>
/// <typeparam name="TOutput">What the task returns; stored as JSON as the run's output.</typeparam>
/// <example>
/// <code>
/// public sealed class SendEmail : TaskDefinition&lt;EmailPayload, EmailResult&gt;
/// {
///     public override string Id =&gt; "send-email";
///     public override RetryOptions RetryPolicy =&gt; new() { MaxAttempts = 5 };
///
///     public override async Task&lt;EmailResult&gt; RunAsync(EmailPayload payload, TaskContext context, CancellationToken cancellationToken)
///     {
///         context.Logger.LogInformation("Sending to {To}", payload.To);
///         return new EmailResult(await mailer.SendAsync(payload, cancellationToken));
///     }
/// }
/// </code>
/// </example>
/// <remarks>
/// A new instance is created for every attempt, from the silo's service provider, so constructor injection works
/// and instance fields never leak between attempts.
/// </remarks>
public abstract partial class TaskDefinition<TPayload, TOutput> : ITaskDefinition
{
    /// <inheritdoc />
    public abstract string Id { get; }

    /// <inheritdoc />
    public virtual string? Description => null;

    /// <summary>
    /// How failed attempts are retried. Default: null, the silo's default (<c>OrleansTasks:Defaults:Retry</c>), which is
    /// <see cref="RetryOptions.Default"/> (3 attempts, 1 s to 60 s, factor 2, randomized) unless configured.
    /// </summary>
    public virtual RetryOptions? RetryPolicy => null;

    /// <summary>The queue and its concurrency limit. Default: a queue named after the task id, with no limit.</summary>
    public virtual QueueOptions Queue => new();

    /// <summary>
    /// The longest one attempt may run; at least 5 seconds. Default: null, the silo's default
    /// (<c>OrleansTasks:Defaults:MaxDuration</c>, no limit unless configured). <see cref="Timeout.InfiniteTimeSpan"/>
    /// means no limit even when the silo sets one.
    /// </summary>
    public virtual TimeSpan? MaxDuration => null;

    /// <summary>The machine preset. Default: null, the silo's default (<c>OrleansTasks:Defaults:Machine</c>, <see cref="MachinePreset.Small1x"/> unless configured).</summary>
    public virtual MachinePreset? Machine => null;

    /// <inheritdoc />
    public Type PayloadType => typeof(TPayload);

    /// <inheritdoc />
    public Type OutputType => typeof(TOutput);

    /// <summary>
    /// Runs one attempt. Return the output; throw to fail the attempt (it is retried by <see cref="RetryPolicy"/>),
    /// or throw <see cref="AbortTaskRunException"/> to fail the run with no further attempts.
    /// </summary>
    /// <param name="payload">The payload the run was triggered with.</param>
    /// <param name="context">The run: ids, attempt number, tags, logger.</param>
    /// <param name="cancellationToken">Fires when the run is cancelled or the attempt passes <see cref="MaxDuration"/>.</param>
    public abstract Task<TOutput> RunAsync(TPayload payload, TaskContext context, CancellationToken cancellationToken);

    /// <summary>Triggers a run of this task from inside another task's run (a child), without waiting.</summary>
    /// <exception cref="InvalidOperationException">Called outside a running task; use <c>ITaskClient</c> there.</exception>
    public Task<RunHandle<TOutput>> TriggerAsync(TPayload payload, TriggerOptions? options = null, CancellationToken cancellationToken = default)
    {
        // Not async on purpose: the journal position is taken in the caller's flow (see TaskContext).
        var triggering = TaskContext.Require($"{GetType().Name}.TriggerAsync").TriggerAsync(Item(payload, options), cancellationToken);
        return Typed(triggering);

        static async Task<RunHandle<TOutput>> Typed(Task<RunHandle> handle) => RunHandle<TOutput>.From(await handle.ConfigureAwait(false));
    }

    /// <summary>Triggers a run of this task from inside another task's run and waits for it to end.</summary>
    /// <param name="payload">The child's payload.</param>
    /// <param name="options">The child's trigger options.</param>
    /// <param name="cancellationToken">Stops waiting; the child runs on (see <see cref="TaskContext.TriggerAndWaitAsync"/>).</param>
    /// <exception cref="InvalidOperationException">Called outside a running task; use <c>ITaskClient</c> there.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired.</exception>
    public Task<TaskRunResult<TOutput>> TriggerAndWaitAsync(TPayload payload, TriggerOptions? options = null, CancellationToken cancellationToken = default)
    {
        // Not async on purpose: the journal position is taken in the caller's flow (see TaskContext).
        var waiting = TaskContext.Require($"{GetType().Name}.TriggerAndWaitAsync").TriggerAndWaitAsync(Item(payload, options), cancellationToken);
        return Typed(waiting);

        static async Task<TaskRunResult<TOutput>> Typed(Task<TaskRunResult> result) => (await result.ConfigureAwait(false)).As<TOutput>();
    }

    /// <summary>Triggers up to 1,000 runs of this task from inside another task's run, without waiting.</summary>
    public Task<BatchHandle<TOutput>> BatchTriggerAsync(IEnumerable<TPayload> payloads, TriggerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(payloads);
        var triggering = TaskContext.Require($"{GetType().Name}.BatchTriggerAsync").BatchTriggerAsync(payloads.Select(p => Item(p, options)), cancellationToken);
        return Typed(triggering);

        static async Task<BatchHandle<TOutput>> Typed(Task<BatchHandle> batch) => BatchHandle<TOutput>.From(await batch.ConfigureAwait(false));
    }

    /// <summary>Triggers up to 1,000 runs of this task from inside another task's run and waits for all; results in payload order.</summary>
    public Task<IReadOnlyList<TaskRunResult<TOutput>>> BatchTriggerAndWaitAsync(IEnumerable<TPayload> payloads, TriggerOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(payloads);
        var waiting = TaskContext.Require($"{GetType().Name}.BatchTriggerAndWaitAsync").BatchTriggerAndWaitAsync(payloads.Select(p => Item(p, options)), cancellationToken);
        return Typed(waiting);

        static async Task<IReadOnlyList<TaskRunResult<TOutput>>> Typed(Task<IReadOnlyList<TaskRunResult>> results) =>
            [.. (await results.ConfigureAwait(false)).Select(r => r.As<TOutput>())];
    }

    /// <summary>A batch item for this task, to mix with other tasks' items in one batch.</summary>
    /// <exception cref="PayloadValidationException">The payload breaks the payload type's validation rules.</exception>
    public BatchTaskItem Item(TPayload payload, TriggerOptions? options = null)
    {
        Validation.PayloadValidation.ThrowIfInvalid(Id, GetType(), typeof(TPayload), payload);
        return BatchTaskItem.Create(Id, taskType: null, System.Text.Json.JsonSerializer.Serialize(payload, TaskJson.Options), options);
    }
}
