namespace OrleansTasks;

/// <summary>A change would make a run's metadata larger than its limit (256 KB of JSON); nothing was changed.</summary>
[GenerateSerializer, Alias("ot.MetadataTooLargeException")]
public sealed class MetadataTooLargeException : OrleansTasksException
{
    /// <inheritdoc/>
    public override string Code => OrleansTasksErrorCodes.MetadataTooLarge;

    /// <summary>Creates the exception.</summary>
    public MetadataTooLargeException(int size, int limit)
        : base($"The run's metadata would be {size:N0} bytes of JSON; at most {limit:N0} are allowed. Nothing was changed.")
    {
        Size = size;
        Limit = limit;
    }

    /// <summary>How large the metadata would have been, in bytes of JSON.</summary>
    [Id(0)]
    public int Size { get; init; }

    /// <summary>The limit, in bytes of JSON.</summary>
    [Id(1)]
    public int Limit { get; init; }
}
