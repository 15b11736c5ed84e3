namespace OrleansTasks;

/// <summary>A trigger named a task that no silo has registered. No run was created.</summary>
[GenerateSerializer, Alias("ot.UnknownTaskException")]
public sealed class UnknownTaskException : OrleansTasksException
{
    /// <inheritdoc/>
    public override string Code => OrleansTasksErrorCodes.UnknownTask;

    /// <summary>Creates the exception for a task id or task type name.</summary>
    public UnknownTaskException(string taskId)
        : base($"No task with id '{taskId}' is registered. Register it on the silo builder with AddTask<T>() or AddTasksFromAssembly(), and check the id for typos.")
    {
        TaskId = taskId;
    }

    /// <summary>The task id (or task type name) that was asked for.</summary>
    [Id(0)]
    public string TaskId { get; init; }
}
