namespace OrleansTasks.Logs;

/// <summary>The bounds of a log query, checked by the client and again by the grain that answers it.</summary>
internal static class RunLogLimits
{
    /// <summary>The most entries one query returns: 10,000.</summary>
    public const int MaxEntries = 10_000;

    /// <exception cref="InvalidRequestException"><paramref name="limit"/> is outside 1 to <see cref="MaxEntries"/>.</exception>
    public static void ValidateLimit(int limit, string paramName = "limit")
    {
        if (limit is < 1 or > MaxEntries)
        {
            throw new InvalidRequestException($"A log query returns between 1 and {MaxEntries:N0} entries; {limit} was asked for.", paramName);
        }
    }
}
