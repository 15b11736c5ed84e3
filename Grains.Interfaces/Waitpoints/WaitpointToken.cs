namespace OrleansTasks;

/// <summary>Where a waitpoint token is: waiting to be completed, completed, or timed out.</summary>
[GenerateSerializer, Alias("ot.WaitpointStatus")]
public enum WaitpointStatus
{
    /// <summary>Not completed yet, and not timed out.</summary>
    Waiting = 1,

    /// <summary>Completed with data.</summary>
    Completed = 2,

    /// <summary>Its timeout passed before anyone completed it.</summary>
    TimedOut = 3,
}

/// <summary>
/// A waitpoint token: something a run can wait for until it is completed from outside
/// (<c>ITaskClient.Waitpoints.CompleteTokenAsync</c>), or until it times out.
/// </summary>
[GenerateSerializer, Immutable, Alias("ot.WaitpointToken")]
public sealed record WaitpointToken
{
    /// <summary>The token id, <c>waitpoint_…</c>.</summary>
    [Id(0)]
    public required string Id { get; init; }

    /// <summary>Its status.</summary>
    [Id(1)]
    public required WaitpointStatus Status { get; init; }

    /// <summary>When it was created.</summary>
    [Id(2)]
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it was completed or timed out.</summary>
    [Id(3)]
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>When it times out if not completed; null for never.</summary>
    [Id(4)]
    public DateTimeOffset? TimeoutAt { get; init; }

    /// <summary>The idempotency key it was created with.</summary>
    [Id(5)]
    public string? IdempotencyKey { get; init; }

    /// <summary>Until when creating a token with the same key returns this one.</summary>
    [Id(6)]
    public DateTimeOffset? IdempotencyKeyExpiresAt { get; init; }

    /// <summary>Its tags.</summary>
    [Id(7)]
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>The data it was completed with, as JSON.</summary>
    [Id(8)]
    public string? OutputJson { get; init; }

    /// <summary>True when a create call returned this existing token because of its idempotency key.</summary>
    [Id(9)]
    public bool IsCached { get; init; }
}
