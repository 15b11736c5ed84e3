using System.Security.Cryptography;
using System.Text;

namespace OrleansTasks;

/// <summary>
/// Idempotency keys as Trigger.dev makes them: the key's parts and the scope's material (the parent run id for
/// <see cref="IdempotencyKeyScope.Run"/>, the parent run id and attempt number for
/// <see cref="IdempotencyKeyScope.Attempt"/>, nothing for <see cref="IdempotencyKeyScope.Global"/>) joined by "-" and
/// hashed with SHA-256 into 64 lowercase hex characters. Keys are isolated per task.
/// </summary>
public static class IdempotencyKeys
{
    /// <summary>The longest key a trigger may give: 2,048 characters.</summary>
    public const int MaxKeyLength = 2048;

    /// <summary>The default time a key holds: 30 days.</summary>
    public static readonly TimeSpan DefaultTtl = TimeSpan.FromDays(30);

    /// <summary>A key made of several parts, such as <c>FromParts("order", orderId)</c>: the parts joined by "-".</summary>
    public static string FromParts(params string[] parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        return string.Join('-', parts);
    }

    /// <summary>The stored form of a key: its parts plus the scope's material, hashed.</summary>
    /// <param name="key">The key as the trigger gave it.</param>
    /// <param name="scope">The scope; outside a task (no <paramref name="parentRunId"/>) every scope is global.</param>
    /// <param name="parentRunId">The run that triggers, when the trigger is made inside a task.</param>
    /// <param name="parentAttempt">That run's attempt number.</param>
    public static string Hash(string key, IdempotencyKeyScope scope, string? parentRunId, int parentAttempt)
    {
        ArgumentNullException.ThrowIfNull(key);
        var material = (scope, parentRunId) switch
        {
            (IdempotencyKeyScope.Run, not null) => $"{key}-{parentRunId}",
            (IdempotencyKeyScope.Attempt, not null) => $"{key}-{parentRunId}-{parentAttempt}",
            _ => key,
        };
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(material)));
    }
}
