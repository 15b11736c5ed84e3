namespace OrleansTasks;

/// <summary>Options for a waitpoint token (<c>Wait.CreateTokenAsync</c>, <c>ITaskClient.Waitpoints.CreateTokenAsync</c>).</summary>
[GenerateSerializer, Immutable, Alias("ot.WaitTokenOptions")]
public sealed record WaitTokenOptions
{
    /// <summary>The default timeout: 10 minutes, as Trigger.dev documents it.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(10);

    /// <summary>The default time an idempotency key is remembered: 1 hour.</summary>
    public static readonly TimeSpan DefaultIdempotencyKeyTtl = TimeSpan.FromHours(1);

    /// <summary>How long the token waits to be completed before it times out. Default: 10 minutes.</summary>
    [Id(0)]
    public TimeSpan? Timeout { get; init; }

    /// <summary>Creating a token with a key already used (within its TTL) returns that token instead of a new one.</summary>
    [Id(1)]
    public string? IdempotencyKey { get; init; }

    /// <summary>How long the idempotency key is remembered. Default: 1 hour.</summary>
    [Id(2)]
    public TimeSpan? IdempotencyKeyTtl { get; init; }

    /// <summary>Tags to find the token by: at most 10, each 1–128 characters.</summary>
    [Id(3)]
    public IReadOnlyList<string>? Tags { get; init; }
}
