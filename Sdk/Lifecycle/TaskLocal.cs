using System.Collections.Concurrent;

namespace OrleansTasks;

/// <summary>
/// A typed key for a value that middleware, hooks and <c>RunAsync</c> share within one execution of a run (Trigger.dev's
/// <c>locals.create</c>). Declare one as a static field and read or write it through <see cref="TaskContext.Locals"/>.
/// </summary>
/// <typeparam name="T">The value's type.</typeparam>
/// <param name="name">A name for error messages.</param>
public sealed class TaskLocal<T>(string name)
{
    /// <summary>The name given at creation.</summary>
    public string Name { get; } = string.IsNullOrWhiteSpace(name) ? throw new InvalidRequestException("A task local needs a name.", nameof(name)) : name;

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>
/// The values middleware, hooks and <c>RunAsync</c> share within one execution of a run. They live in memory: when a
/// run resumes after a wait, its code runs again (middleware included) and sets them again.
/// </summary>
public sealed class TaskLocals
{
    private readonly ConcurrentDictionary<object, object?> _values = new();

    /// <summary>Sets the value of <paramref name="local"/>.</summary>
    public void Set<T>(TaskLocal<T> local, T value)
    {
        ArgumentNullException.ThrowIfNull(local);
        _values[local] = value;
    }

    /// <summary>The value of <paramref name="local"/>, or default when it was never set.</summary>
    public T? Get<T>(TaskLocal<T> local)
    {
        ArgumentNullException.ThrowIfNull(local);
        return _values.TryGetValue(local, out var value) ? (T?)value : default;
    }

    /// <summary>Gets the value of <paramref name="local"/> if it was set.</summary>
    public bool TryGet<T>(TaskLocal<T> local, out T? value)
    {
        ArgumentNullException.ThrowIfNull(local);
        if (_values.TryGetValue(local, out var stored))
        {
            value = (T?)stored;
            return true;
        }

        value = default;
        return false;
    }

    /// <summary>The value of <paramref name="local"/>.</summary>
    /// <exception cref="InvalidOperationException">It was never set (usually: the middleware that sets it is not registered).</exception>
    public T GetOrThrow<T>(TaskLocal<T> local) =>
        TryGet(local, out var value) ? value! : throw new InvalidOperationException(
            $"The task local '{local.Name}' has not been set in this run. Set it in middleware or a hook before it is read.");
}
