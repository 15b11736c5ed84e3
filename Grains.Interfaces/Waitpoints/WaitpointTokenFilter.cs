namespace OrleansTasks;

/// <summary>Which tokens <c>ITaskClient.Waitpoints.ListTokensAsync</c> returns; every criterion left null matches all.</summary>
[GenerateSerializer, Alias("ot.WaitpointTokenFilter")]
public sealed record WaitpointTokenFilter
{
    /// <summary>Only tokens with this status.</summary>
    [Id(0)]
    public WaitpointStatus? Status { get; init; }

    /// <summary>Only tokens created with this idempotency key.</summary>
    [Id(1)]
    public string? IdempotencyKey { get; init; }

    /// <summary>Only tokens with at least one of these tags.</summary>
    [Id(2)]
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>Only tokens created at or after this moment.</summary>
    [Id(3)]
    public DateTimeOffset? From { get; init; }

    /// <summary>Only tokens created before this moment.</summary>
    [Id(4)]
    public DateTimeOffset? To { get; init; }
}

/// <summary>Where a page of tokens ends; the next page starts after it. Engine wire type.</summary>
/// <param name="CreatedAt">The last token's creation time.</param>
/// <param name="Id">The last token's id.</param>
[GenerateSerializer, Alias("ot.WaitpointCursor")]
public sealed record WaitpointCursor(DateTimeOffset CreatedAt, string Id);

/// <summary>A page of a token listing and where the next one starts.</summary>
/// <param name="Tokens">The tokens, newest first.</param>
/// <param name="Next">The cursor to pass for the next page; null when this page is the last.</param>
public sealed record WaitpointTokenPage(IReadOnlyList<WaitpointToken> Tokens, WaitpointCursor? Next);
