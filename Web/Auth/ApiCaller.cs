namespace OrleansTasks.Web.Auth;

/// <summary>
/// Who made a request and what it may do: a secret key may do everything; a public access token only what its
/// scopes say, in Trigger.dev's form <c>action:resource[:id]</c> (<c>read:runs:run_…</c>, <c>read:tags:…</c>,
/// <c>trigger:tasks:…</c>, <c>write:waitpoints:…</c>; <c>read:all</c> or <c>admin</c> for everything of an action).
/// </summary>
internal sealed class ApiCaller
{
    private readonly HashSet<string> _scopes;

    private ApiCaller(bool everything, IEnumerable<string> scopes, string? oneTimeKey = null)
    {
        HasSecretKey = everything;
        _scopes = new HashSet<string>(scopes, StringComparer.Ordinal);
        OneTimeKey = oneTimeKey;
    }

    /// <summary>For a single-use token (claim <c>otu</c>), a hash of it that names its record; null otherwise.</summary>
    public string? OneTimeKey { get; }

    /// <summary>A caller with a secret key (or any caller while the API is open).</summary>
    public static ApiCaller WithSecretKey { get; } = new(everything: true, []);

    public bool HasSecretKey { get; }

    public IReadOnlyCollection<string> Scopes => _scopes;

    public static ApiCaller WithScopes(IEnumerable<string> scopes, string? oneTimeKey = null) => new(everything: false, scopes, oneTimeKey);

    /// <summary>Whether the caller may <paramref name="action"/> the <paramref name="resource"/> with any of <paramref name="ids"/> (or all of them).</summary>
    public bool May(string action, string resource, params IEnumerable<string?> ids)
    {
        if (HasSecretKey || _scopes.Contains("admin") || _scopes.Contains($"{action}:all") || _scopes.Contains($"{action}:{resource}"))
        {
            return true;
        }

        return ids.Any(id => id is not null && _scopes.Contains($"{action}:{resource}:{id}"));
    }

    /// <summary>Whether the caller may read <paramref name="run"/>: by its id, task, one of its tags or its batch.</summary>
    public bool MayRead(TaskRun run) =>
        May("read", "runs", run.Id) || May("read", "tasks", run.TaskId) || May("read", "tags", run.Tags) || May("read", "batch", run.BatchId);
}
