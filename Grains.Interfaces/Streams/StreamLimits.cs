using System.Text.RegularExpressions;

namespace OrleansTasks.Streams;

/// <summary>The limits of runs' data streams (Trigger.dev's streams v2 where it has one), checked at the call that would break them.</summary>
public static partial class StreamLimits
{
    /// <summary>The largest chunk, in bytes of JSON: 1 MiB.</summary>
    public const int MaxChunkBytes = 1024 * 1024;

    /// <summary>The most a stream holds, in bytes of JSON: 300 MiB, as Trigger.dev's streams v2.</summary>
    public const long MaxStreamBytes = 300L * 1024 * 1024;

    /// <summary>The most streams one run has.</summary>
    public const int MaxStreamsPerRun = 100;

    /// <summary>The longest stream key.</summary>
    public const int MaxKeyLength = 64;

    /// <summary>How long chunks are kept by default (<c>OrleansTasks:StreamRetention</c>): 28 days, as Trigger.dev's streams v2.</summary>
    public static readonly TimeSpan DefaultRetention = TimeSpan.FromDays(28);

    /// <summary>Throws <see cref="InvalidRequestException"/> unless <paramref name="key"/> is 1 to 64 letters, digits, '-', '_', '.' or ':'.</summary>
    public static void CheckKey(string? key, string parameter = "key")
    {
        if (string.IsNullOrEmpty(key) || key.Length > MaxKeyLength || !KeyPattern().IsMatch(key))
        {
            throw new InvalidRequestException(
                $"A stream key is 1 to {MaxKeyLength} letters, digits, '-', '_', '.' or ':'; '{key}' is not.", parameter);
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_.:-]+$")]
    private static partial Regex KeyPattern();
}
