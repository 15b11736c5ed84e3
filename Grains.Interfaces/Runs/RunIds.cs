using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace OrleansTasks.Runs;

/// <summary>
/// Run and batch ids: a prefix and 26 characters of Crockford base32, the first ten of which encode the creation
/// time in milliseconds, so ids sort by time (as ULIDs do). Made by the client, so a client that retries a trigger
/// after a lost response sends the same id and gets the same run.
/// </summary>
internal static class RunIds
{
    public const string RunPrefix = "run_";
    public const string BatchPrefix = "batch_";
    public const string TokenPrefix = "waitpoint_";
    /// <summary>Crockford base32, lower case: the characters of every id the engine makes.</summary>
    internal const string Alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

    public static string NewRunId(DateTimeOffset now) => RunPrefix + Encode(now, RandomNumberGenerator.GetBytes(10));

    public static string NewBatchId(DateTimeOffset now) => BatchPrefix + Encode(now, RandomNumberGenerator.GetBytes(10));

    /// <summary>
    /// The id of item <paramref name="index"/> of a batch: the batch's time followed by a hash of the batch id and
    /// index, so the same batch and index always give the same run.
    /// </summary>
    public static string ForBatchItem(string batchId, int index)
    {
        var suffix = batchId.StartsWith(BatchPrefix, StringComparison.Ordinal) ? batchId[BatchPrefix.Length..] : batchId;
        var time = suffix.Length >= 10 ? suffix[..10] : suffix.PadRight(10, '0');
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{batchId}#{index}"));
        return RunPrefix + time + EncodeBits(hash.AsSpan(0, 10), 16);
    }

    public static string NewTokenId(DateTimeOffset now) => TokenPrefix + Encode(now, RandomNumberGenerator.GetBytes(10));

    /// <summary>
    /// The id of a child triggered at journal position <paramref name="key"/> of an attempt: the same on every replay,
    /// so a replay that triggers it again reaches the same run instead of creating a second.
    /// </summary>
    public static string ForChild(string parentRunId, int attempt, string key, int index) =>
        RunPrefix + Derived($"{parentRunId}#{attempt}#{key}#{index}");

    /// <summary>The batch id of the children triggered together at a journal position.</summary>
    public static string ForChildBatch(string parentRunId, int attempt, string key) =>
        BatchPrefix + Derived($"{parentRunId}#{attempt}#{key}#batch");

    /// <summary>
    /// The id of the run a schedule's occurrence makes: the occurrence's time followed by a hash of the service, the
    /// schedule and that time, so firing the occurrence again (a second activation, a retry, a backfill) reaches the same
    /// run instead of creating another.
    /// </summary>
    public static string ForOccurrence(string serviceId, string scheduleId, DateTimeOffset nominal)
    {
        Span<byte> timeBytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(timeBytes, (ulong)nominal.ToUnixTimeMilliseconds() << 16);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{serviceId}#{scheduleId}#{nominal.ToUnixTimeMilliseconds()}"));
        return RunPrefix + EncodeBits(timeBytes[..6], 10) + EncodeBits(hash.AsSpan(0, 10), 16);
    }

    /// <summary>The id of the token created at a journal position: the same on every replay.</summary>
    public static string ForToken(string runId, int attempt, string key) =>
        TokenPrefix + Derived($"{runId}#{attempt}#{key}#token");

    private static string Derived(string seed)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(seed));
        return EncodeBits(hash, 26);
    }

    private static string Encode(DateTimeOffset now, byte[] random)
    {
        Span<byte> timeBytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(timeBytes, (ulong)now.ToUnixTimeMilliseconds() << 16);
        return EncodeBits(timeBytes[..6], 10) + EncodeBits(random, 16);
    }

    /// <summary>Writes the leading <paramref name="chars"/> × 5 bits of <paramref name="bytes"/> in base32.</summary>
    internal static string EncodeBits(ReadOnlySpan<byte> bytes, int chars)
    {
        var builder = new StringBuilder(chars);
        for (var i = 0; i < chars; i++)
        {
            var value = 0;
            for (var bit = 0; bit < 5; bit++)
            {
                var position = (i * 5) + bit;
                var current = position / 8 < bytes.Length ? (bytes[position / 8] >> (7 - (position % 8))) & 1 : 0;
                value = (value << 1) | current;
            }

            builder.Append(Alphabet[value]);
        }

        return builder.ToString();
    }
}
