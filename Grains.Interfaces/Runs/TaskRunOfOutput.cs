namespace OrleansTasks;

/// <summary>
/// A run read through a typed handle (<see cref="RunHandle{TOutput}"/>): the run as <see cref="Run"/>, with its output
/// already deserialized into the task's output type.
/// </summary>
/// <typeparam name="TOutput">The task's output type.</typeparam>
public sealed class TaskRun<TOutput>
{
    internal TaskRun(TaskRun run)
    {
        Run = run;
        Output = run.IsSuccess ? run.GetOutput<TOutput>() : default;
    }

    /// <summary>The run: status, attempts, payload, output JSON, error and timestamps.</summary>
    public TaskRun Run { get; }

    /// <summary>The run id, <c>run_…</c>.</summary>
    public string Id => Run.Id;

    /// <summary>The current status.</summary>
    public RunStatus Status => Run.Status;

    /// <summary>True once the run can no longer change.</summary>
    public bool IsFinal => Run.IsFinal;

    /// <summary>True when the run completed successfully.</summary>
    public bool IsSuccess => Run.IsSuccess;

    /// <summary>The output when the run completed successfully; default otherwise.</summary>
    public TOutput? Output { get; }

    /// <summary>Why the run failed, when it did.</summary>
    public TaskRunError? Error => Run.Error;
}
