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

        if (options.Tags is { } tags)
        {
            if (tags.Count > TaskLimits.MaxTags)
            {
                throw new InvalidRequestException($"A token may have at most {TaskLimits.MaxTags} tags; {tags.Count} were given.", nameof(options));
            }

            if (tags.Any(t => string.IsNullOrEmpty(t) || t.Length > TaskLimits.MaxTagLength))
            {
                throw new InvalidRequestException($"Each token tag must be 1 to {TaskLimits.MaxTagLength} characters.", nameof(options));
            }
        }
    }
}
