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
///     public override RetryOptions Retry =&gt; new() { MaxAttempts = 5 };
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
public abstract class TaskDefinition<TPayload, TOutput> : ITaskDefinition
{
    /// <inheritdoc />
    public abstract string Id { get; }

    /// <inheritdoc />
    public virtual string? Description => null;

    /// <summary>How failed attempts are retried. Default: <see cref="RetryOptions.Default"/> (3 attempts, 1 s to 60 s, factor 2, randomized).</summary>
    public virtual RetryOptions Retry => RetryOptions.Default;

    /// <summary>The queue and its concurrency limit. Default: a queue named after the task id, with no limit.</summary>
    public virtual QueueOptions Queue => new();

    /// <summary>The longest one attempt may run; at least 5 seconds. Default: null, no limit.</summary>
    public virtual TimeSpan? MaxDuration => null;

    /// <summary>The machine preset. Default: <see cref="MachinePreset.Small1x"/>.</summary>
    public virtual MachinePreset Machine => MachinePreset.Small1x;

    /// <inheritdoc />
    public Type PayloadType => typeof(TPayload);

    /// <inheritdoc />
    public Type OutputType => typeof(TOutput);

    /// <summary>
    /// Runs one attempt. Return the output; throw to fail the attempt (it is retried by <see cref="Retry"/>),
    /// or throw <see cref="AbortTaskRunException"/> to fail the run with no further attempts.
    /// </summary>
    /// <param name="payload">The payload the run was triggered with.</param>
    /// <param name="context">The run: ids, attempt number, tags, logger.</param>
    /// <param name="cancellationToken">Fires when the run is cancelled or the attempt passes <see cref="MaxDuration"/>.</param>
    public abstract Task<TOutput> RunAsync(TPayload payload, TaskContext context, CancellationToken cancellationToken);
}
