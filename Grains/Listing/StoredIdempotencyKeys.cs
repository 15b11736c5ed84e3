namespace OrleansTasks.Listing;

/// <summary>
/// Turns the idempotency key a listing filters by into the values the <c>idempotency_key</c> column may hold for it.
/// The column holds hashes, so a key as the user gave it is matched through its global hash, the only scope that needs
/// nothing but the key (a trigger from outside a task is always global); a key that is itself such a hash is matched
/// as is too, which is how runs with keys scoped to a parent run or attempt are found.
/// </summary>
internal static class StoredIdempotencyKeys
{
    private const int HashLength = 64;

    public static string[] For(string key)
    {
        var hash = IdempotencyKeys.Hash(key, IdempotencyKeyScope.Global, parentRunId: null, parentAttempt: 0);
        return IsHash(key) ? [hash, key.ToLowerInvariant()] : [hash];
    }

    private static bool IsHash(string key) => key.Length == HashLength && key.All(char.IsAsciiHexDigit);
}
