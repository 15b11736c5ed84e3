namespace OrleansTasks.Waitpoints;

/// <summary>A waitpoint token as it is stored: the token and the runs waiting for it.</summary>
internal sealed class WaitpointState
{
    public required string Id { get; init; }

    public WaitpointStatus Status { get; set; } = WaitpointStatus.Waiting;

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? CompletedAt { get; set; }

    public DateTimeOffset? TimeoutAt { get; init; }

    public string? IdempotencyKey { get; init; }

    public DateTimeOffset? IdempotencyExpiresAt { get; init; }

    public List<string> Tags { get; init; } = [];

    public string? OutputJson { get; set; }

    /// <summary>Runs waiting, each with the journal position of its wait.</summary>
    public List<WaitpointWaiter> Waiters { get; init; } = [];

    public WaitpointToken ToToken(bool isCached = false) => new()
    {
        Id = Id,
        Status = Status,
        CreatedAt = CreatedAt,
        CompletedAt = CompletedAt,
        TimeoutAt = TimeoutAt,
        IdempotencyKey = IdempotencyKey,
        IdempotencyKeyExpiresAt = IdempotencyExpiresAt,
        Tags = [.. Tags],
        OutputJson = OutputJson,
        IsCached = isCached,
    };
}

/// <summary>A run waiting for a token at a journal position.</summary>
internal sealed record WaitpointWaiter(string RunId, string Key);
