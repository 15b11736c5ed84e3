namespace OrleansTasks;

/// <summary>A waitpoint token timed out before it was completed.</summary>
[GenerateSerializer, Alias("ot.WaitpointTimeoutException")]
public sealed class WaitpointTimeoutException : OrleansTasksException
{
    /// <inheritdoc/>
    public override string Code => OrleansTasksErrorCodes.WaitpointTimedOut;

    /// <summary>Creates the exception.</summary>
    public WaitpointTimeoutException(string tokenId)
        : base($"Waitpoint token {tokenId} timed out before it was completed.")
    {
        TokenId = tokenId;
    }

    /// <summary>The token.</summary>
    [Id(0)]
    public string TokenId { get; init; }
}
