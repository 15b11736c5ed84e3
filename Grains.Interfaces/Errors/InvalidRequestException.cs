namespace OrleansTasks;

/// <summary>A call's argument is not valid: what was wrong is in the message, and which argument in <see cref="Parameter"/>.</summary>
[GenerateSerializer, Alias("ot.InvalidRequestException")]
public sealed class InvalidRequestException : OrleansTasksException
{
    /// <inheritdoc/>
    public override string Code => OrleansTasksErrorCodes.InvalidRequest;

    /// <summary>Creates the exception.</summary>
    public InvalidRequestException(string message, string? parameter = null)
        : base(message)
    {
        Parameter = parameter;
    }

    /// <summary>The argument that was wrong, when one was.</summary>
    [Id(0)]
    public string? Parameter { get; init; }
}
