namespace OrleansTasks.Execution;

/// <summary>
/// Gives each durable operation of an execution its journal position, in a way that does not depend on timing, so
/// that parallel branches (<c>Task.WhenAll</c> over several flows of operations) replay to the same positions.
/// </summary>
/// <remarks>
/// The position comes from a scope held in an <see cref="AsyncLocal{T}"/>. Taking a position advances the scope in
/// the calling flow's execution context only (the allocation runs in a non-async frame, so the change stays with the
/// caller). Code that runs one operation after another therefore gets 0, 1, 2… Two flows forked from the same point
/// both see the scope as it was at the fork; the second to ask for a position already taken gets a fork of its own
/// ("3.1.0", "3.1.1"…). Which flow asks first is fixed by the code's synchronous order at the fork, not by which
/// operation finishes first, so a replay (where recorded operations finish at once) allocates the same positions.
/// </remarks>
internal sealed class KeyAllocator
{
    private readonly AsyncLocal<Scope?> _scope = new();
    private readonly HashSet<string> _issued = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _forks = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public string Next()
    {
        var scope = _scope.Value ?? Scope.Root;
        var candidate = scope.Prefix + scope.Next.ToString(System.Globalization.CultureInfo.InvariantCulture);
        lock (_lock)
        {
            if (_issued.Add(candidate))
            {
                _scope.Value = scope with { Next = scope.Next + 1 };
                return candidate;
            }

            var fork = _forks[candidate] = _forks.GetValueOrDefault(candidate) + 1;
            var prefix = $"{candidate}.{fork}.";
            var key = prefix + "0";
            _issued.Add(key);
            _scope.Value = new Scope(prefix, 1);
            return key;
        }
    }

    private sealed record Scope(string Prefix, int Next)
    {
        public static readonly Scope Root = new(string.Empty, 0);
    }
}
