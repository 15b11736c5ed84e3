namespace OrleansTasks.Waitpoints;

/// <summary>The checks a token's options must pass, on the client and in a task alike.</summary>
internal static class WaitpointValidation
{
    /// <summary>The longest idempotency key: 2,048 characters (Trigger.dev's limit).</summary>
    public const int MaxIdempotencyKeyLength = 2048;

    /// <exception cref="InvalidRequestException">An option is out of range; the message names it.</exception>
    public static void Validate(WaitTokenOptions options)
    {
        if (options.Timeout is { } timeout && timeout <= TimeSpan.Zero)
        {
            throw new InvalidRequestException($"WaitTokenOptions.Timeout is {timeout}; it must be positive (leave it null for the default of 10 minutes).", nameof(options));
        }

        if (options.IdempotencyKeyTtl is { } ttl && ttl <= TimeSpan.Zero)
        {
            throw new InvalidRequestException($"WaitTokenOptions.IdempotencyKeyTtl is {ttl}; it must be positive.", nameof(options));
        }

        if (options.IdempotencyKey is { } key && (key.Length == 0 || key.Length > MaxIdempotencyKeyLength))
        {
            throw new InvalidRequestException($"WaitTokenOptions.IdempotencyKey must be 1 to {MaxIdempotencyKeyLength} characters; it is {key.Length}.", nameof(options));
        }

        if (options.Tags is { } tags && TaskLimits.TagProblem(tags) is { } tagProblem)
        {
            throw new InvalidRequestException($"A token's tags (WaitTokenOptions.Tags): {tagProblem}.", nameof(options));
        }
    }
}
