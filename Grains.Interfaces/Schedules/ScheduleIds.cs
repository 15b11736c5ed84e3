using System.Security.Cryptography;
using System.Text;

namespace OrleansTasks.Schedules;

/// <summary>
/// Schedule ids: <c>sched_</c> and 24 characters of base32 from a hash of the deduplication key (imperative) or the
/// task id (declarative), so the same key always names the same schedule and creating it twice updates it; and the
/// ids of the runs occurrences make, from the schedule and the nominal time, so an occurrence makes one run however
/// often it is fired.
/// </summary>
internal static class ScheduleIds
{
    public const string Prefix = "sched_";

    public static string ForKey(string deduplicationKey) => Prefix + Hash("imperative#" + deduplicationKey, 24);

    public static string ForDeclarative(string taskId) => Prefix + Hash("declarative#" + taskId, 24);

    /// <summary>The deduplication key a declarative schedule shows: its task's id, marked.</summary>
    public static string DeclarativeKey(string taskId) => "declarative:" + taskId;

    public static bool IsScheduleId(string? id) =>
        id is { Length: 30 } && id.StartsWith(Prefix, StringComparison.Ordinal) && id.AsSpan(Prefix.Length).IndexOfAnyExcept(Runs.RunIds.Alphabet) < 0;

    private static string Hash(string seed, int chars) => Runs.RunIds.EncodeBits(SHA256.HashData(Encoding.UTF8.GetBytes(seed)), chars);
}
