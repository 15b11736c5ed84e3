namespace OrleansTasks;

/// <summary>A batch trigger had more than <see cref="TaskLimits.MaxBatchItems"/> items. No run was created.</summary>
[GenerateSerializer, Alias("ot.BatchTooLargeException")]
public sealed class BatchTooLargeException : OrleansTasksException
{
    /// <inheritdoc/>
    public override string Code => OrleansTasksErrorCodes.BatchTooLarge;

    /// <summary>Creates the exception.</summary>
    public BatchTooLargeException(int itemCount, int limit)
        : base($"A batch may hold at most {limit:N0} items; this one has {itemCount:N0}. Split it into several batches.")
    {
        ItemCount = itemCount;
        Limit = limit;
    }

    /// <summary>How many items the batch had.</summary>
    [Id(0)]
    public int ItemCount { get; init; }

    /// <summary>The limit.</summary>
    [Id(1)]
    public int Limit { get; init; }
}
