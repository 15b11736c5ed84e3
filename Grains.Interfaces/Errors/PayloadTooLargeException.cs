namespace OrleansTasks;

/// <summary>A payload is larger than <see cref="TaskLimits.MaxPayloadBytes"/>. No run was created.</summary>
[GenerateSerializer, Alias("ot.PayloadTooLargeException")]
public sealed class PayloadTooLargeException : OrleansTasksException
{
    /// <inheritdoc/>
    public override string Code => OrleansTasksErrorCodes.PayloadTooLarge;

    /// <summary>Creates the exception.</summary>
    public PayloadTooLargeException(string taskId, long sizeBytes, long limitBytes)
        : base($"The payload for task '{taskId}' is {sizeBytes:N0} bytes of JSON; the limit is {limitBytes:N0} bytes. Store large data elsewhere and pass a reference.")
    {
        TaskId = taskId;
        SizeBytes = sizeBytes;
        LimitBytes = limitBytes;
    }

    /// <summary>The task the payload was for.</summary>
    [Id(0)]
    public string TaskId { get; init; }

    /// <summary>The payload's size in bytes of UTF-8 JSON.</summary>
    [Id(1)]
    public long SizeBytes { get; init; }

    /// <summary>The limit in bytes.</summary>
    [Id(2)]
    public long LimitBytes { get; init; }
}
