namespace OrleansTasks;

/// <summary>No queue with the given name is defined (by a task or by <c>AddQueue</c>).</summary>
[GenerateSerializer, Alias("ot.QueueNotFoundException")]
public sealed class QueueNotFoundException : OrleansTasksException
{
    /// <inheritdoc/>
    public override string Code => OrleansTasksErrorCodes.QueueNotFound;

    /// <summary>Creates the exception.</summary>
    public QueueNotFoundException(string queue)
        : base($"No queue named '{queue}' is defined; queues are defined by tasks (their Queue) and by AddQueue on the silo builder.")
    {
        Queue = queue;
    }

    /// <summary>The queue name that was asked for.</summary>
    [Id(0)]
    public string Queue { get; init; }
}
