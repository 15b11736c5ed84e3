using System.Text.Json;

namespace OrleansTasks;

/// <summary>
/// How a child run ended, as <c>TriggerAndWaitAsync</c> returns it: <see cref="IsSuccess"/> with the output, or the error.
/// </summary>
public sealed record TaskRunResult
{
    /// <summary>True when the child completed successfully.</summary>
    public required bool IsSuccess { get; init; }

    /// <summary>The child run's id.</summary>
    public required string RunId { get; init; }

    /// <summary>The child's task id.</summary>
    public required string TaskId { get; init; }

    /// <summary>The child's final status.</summary>
    public required RunStatus Status { get; init; }

    /// <summary>The child's output as JSON, when <see cref="IsSuccess"/>.</summary>
    public string? OutputJson { get; init; }

    /// <summary>Why the child did not succeed, when not <see cref="IsSuccess"/>.</summary>
    public TaskRunError? Error { get; init; }

    /// <summary>Deserializes the output; default when the child did not succeed.</summary>
    public T? GetOutput<T>() => IsSuccess && OutputJson is not null ? JsonSerializer.Deserialize<T>(OutputJson, TaskJson.Options) : default;

    /// <summary>The output, or <see cref="SubtaskUnwrapException"/> carrying the child's error.</summary>
    /// <exception cref="SubtaskUnwrapException">The child did not complete successfully.</exception>
    public T Unwrap<T>() => IsSuccess ? GetOutput<T>()! : throw new SubtaskUnwrapException(TaskId, RunId, Error ?? new TaskRunError("OrleansTasks.RunNotSuccessful", $"The run ended {Status.ToWireName()}."));

    /// <summary>This result with its output typed.</summary>
    public TaskRunResult<TOutput> As<TOutput>() => new(this);
}

/// <summary>A child run's result with its output typed.</summary>
/// <typeparam name="TOutput">The child task's output type.</typeparam>
public sealed class TaskRunResult<TOutput>
{
    internal TaskRunResult(TaskRunResult result)
    {
        Untyped = result;
        Output = result.GetOutput<TOutput>();
    }

    /// <summary>True when the child completed successfully.</summary>
    public bool IsSuccess => Untyped.IsSuccess;

    /// <summary>The child run's id.</summary>
    public string RunId => Untyped.RunId;

    /// <summary>The child's task id.</summary>
    public string TaskId => Untyped.TaskId;

    /// <summary>The child's output, when <see cref="IsSuccess"/>.</summary>
    public TOutput? Output { get; }

    /// <summary>Why the child did not succeed, when not <see cref="IsSuccess"/>.</summary>
    public TaskRunError? Error => Untyped.Error;

    /// <summary>The result with its output as JSON.</summary>
    public TaskRunResult Untyped { get; }

    /// <summary>The output, or <see cref="SubtaskUnwrapException"/> carrying the child's error.</summary>
    /// <exception cref="SubtaskUnwrapException">The child did not complete successfully.</exception>
    public TOutput Unwrap() => Untyped.Unwrap<TOutput>();
}
