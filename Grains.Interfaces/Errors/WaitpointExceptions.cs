namespace OrleansTasks;

/// <summary>No waitpoint token has the given id.</summary>
[GenerateSerializer, Alias("ot.WaitpointNotFoundException")]
public sealed class WaitpointNotFoundException : OrleansTasksException
{
    /// <inheritdoc/>
    public override string Code => OrleansTasksErrorCodes.WaitpointNotFound;

    /// <summary>Creates the exception.</summary>
    public WaitpointNotFoundException(string tokenId)
        : base($"No waitpoint token with id '{tokenId}' exists.")
    {
        TokenId = tokenId;
    }

    /// <summary>The id that was asked for.</summary>
    [Id(0)]
    public string TokenId { get; init; }
}

/// <summary>A waitpoint token was completed (or timed out) already, so it cannot be completed again.</summary>
[GenerateSerializer, Alias("ot.WaitpointAlreadyCompletedException")]
public sealed class WaitpointAlreadyCompletedException : OrleansTasksException
{
    /// <inheritdoc/>
    public override string Code => OrleansTasksErrorCodes.WaitpointAlreadyCompleted;

    /// <summary>Creates the exception.</summary>
    public WaitpointAlreadyCompletedException(string tokenId, WaitpointStatus status)
        : base(status == WaitpointStatus.TimedOut
            ? $"Waitpoint token {tokenId} timed out already; it can no longer be completed."
            : $"Waitpoint token {tokenId} was completed already; a token is completed once.")
    {
        TokenId = tokenId;
        Status = status;
    }

    /// <summary>The token.</summary>
    [Id(0)]
    public string TokenId { get; init; }

    /// <summary>Its status.</summary>
    [Id(1)]
    public WaitpointStatus Status { get; init; }
}
