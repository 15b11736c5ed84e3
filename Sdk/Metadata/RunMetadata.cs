using System.Text.Json;
using System.Text.Json.Nodes;
using OrleansTasks.Metadata;

namespace OrleansTasks;

/// <summary>
/// A run's metadata from inside its task (<c>context.Metadata</c>, Trigger.dev's <c>metadata</c>): a JSON object of up
/// to 256 KB that readers see with the run. Changes apply here at once, so <see cref="Get{T}"/> and
/// <see cref="Current"/> read them back, and reach the run in batches: about once a second, at
/// <see cref="FlushAsync"/>, and before the attempt ends. Calls chain: <c>Metadata.Set("status", "ok").Increment("done")</c>.
/// </summary>
/// <remarks>
/// Replay-safe: operations are numbered in the order the code makes them, and the run applies each once, so a replay
/// (after a wait, or after a silo died) never applies one twice. As with durable operations, the code must make the
/// same changes in the same order on every execution. A retried attempt runs its code again, and its changes apply
/// again, as in Trigger.dev. <see cref="Parent"/> and <see cref="Root"/> change the parent's or the root run's metadata
/// (progress counters across a fan-out); they can be written, not read.
/// </remarks>
public sealed class RunMetadata
{
    private readonly Lock _lock = new();
    private readonly MetadataDocument? _document;
    private readonly long _appliedBefore;
    private readonly string _source;
    private readonly Func<MetadataUpdate, Task>? _send;
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private readonly List<MetadataOp> _pending = [];
    private readonly Action? _changed;
    private RunMetadata? _parent;
    private RunMetadata? _root;
    private long _made;
    private long _sent;

    /// <param name="documentJson">The run's own metadata as the execution starts.</param>
    /// <param name="readable">False for a write-only target (a parent or root).</param>
    /// <param name="appliedBefore">How many of this source's operations the target applied before this execution.</param>
    /// <param name="source">The source the operations are numbered under.</param>
    /// <param name="send">Sends operations to the target run; null for a target that does not exist (a root run's parent).</param>
    /// <param name="changed">Called after each change, to start the periodic flush.</param>
    internal RunMetadata(string? documentJson, bool readable, long appliedBefore, string source, Func<MetadataUpdate, Task>? send, Action? changed)
    {
        _document = readable ? MetadataDocument.Parse(documentJson) : null;
        _appliedBefore = appliedBefore;
        _made = 0;
        _sent = appliedBefore;
        _source = source;
        _send = send;
        _changed = changed;
    }

    /// <summary>The parent run's metadata, to write to (a root run has no parent: changes to it are dropped).</summary>
    public RunMetadata Parent => _parent ?? throw new InvalidOperationException("This metadata has no parent target.");

    /// <summary>The root run's metadata, to write to (for a root run, its own).</summary>
    public RunMetadata Root => _root ?? throw new InvalidOperationException("This metadata has no root target.");

    internal void SetTargets(RunMetadata parent, RunMetadata root)
    {
        _parent = parent;
        _root = root;
    }

    /// <summary>Sets <paramref name="key"/> to <paramref name="value"/> (anything that serializes to JSON).</summary>
    public RunMetadata Set(string key, object? value) => Add(new MetadataOp(MetadataOpKind.Set, Key(key), Json(value)));

    /// <summary>Removes <paramref name="key"/>.</summary>
    public RunMetadata Delete(string key) => Add(new MetadataOp(MetadataOpKind.Delete, Key(key), null));

    /// <summary>Replaces the whole metadata with <paramref name="metadata"/>, which must serialize to a JSON object.</summary>
    public RunMetadata Replace(object metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return Add(new MetadataOp(MetadataOpKind.Replace, null, Json(metadata)));
    }

    /// <summary>Appends <paramref name="value"/> to the array at <paramref name="key"/> (made an array if missing or a single value).</summary>
    public RunMetadata Append(string key, object? value) => Add(new MetadataOp(MetadataOpKind.Append, Key(key), Json(value)));

    /// <summary>Removes every element equal to <paramref name="value"/> from the array at <paramref name="key"/>.</summary>
    public RunMetadata Remove(string key, object? value) => Add(new MetadataOp(MetadataOpKind.Remove, Key(key), Json(value)));

    /// <summary>Adds <paramref name="amount"/> to the number at <paramref name="key"/> (0 if missing).</summary>
    public RunMetadata Increment(string key, double amount = 1) => Add(new MetadataOp(MetadataOpKind.Increment, Key(key), null, amount));

    /// <summary>Subtracts <paramref name="amount"/> from the number at <paramref name="key"/> (0 if missing).</summary>
    public RunMetadata Decrement(string key, double amount = 1) => Add(new MetadataOp(MetadataOpKind.Increment, Key(key), null, -amount));

    /// <summary>The value at <paramref name="key"/>, with this execution's changes; default when it is missing.</summary>
    /// <exception cref="InvalidOperationException">This is <see cref="Parent"/> or <see cref="Root"/>, which can only be written.</exception>
    public T? Get<T>(string key)
    {
        lock (_lock)
        {
            return Readable().Get<T>(Key(key));
        }
    }

    /// <summary>A copy of the whole metadata, with this execution's changes.</summary>
    /// <exception cref="InvalidOperationException">This is <see cref="Parent"/> or <see cref="Root"/>, which can only be written.</exception>
    public JsonObject Current()
    {
        lock (_lock)
        {
            return Readable().Current();
        }
    }

    /// <summary>Sends the changes made so far to the run now, and returns once it has them.</summary>
    /// <exception cref="MetadataTooLargeException">A parent's or root's metadata would be over 256 KB; those changes were not applied.</exception>
    public async Task FlushAsync()
    {
        if (_send is null)
        {
            return;
        }

        await _flushing.WaitAsync().ConfigureAwait(false);
        try
        {
            MetadataUpdate update;
            lock (_lock)
            {
                if (_pending.Count == 0)
                {
                    return;
                }

                update = new MetadataUpdate(_source, _sent + 1, [.. _pending]);
            }

            await _send(update).ConfigureAwait(false);
            lock (_lock)
            {
                _pending.RemoveRange(0, update.Operations.Count);
                _sent += update.Operations.Count;
            }
        }
        finally
        {
            _flushing.Release();
        }
    }

    /// <summary>Whether changes are waiting to be sent.</summary>
    internal bool HasPending
    {
        get
        {
            lock (_lock)
            {
                return _pending.Count > 0;
            }
        }
    }

    private RunMetadata Add(MetadataOp operation)
    {
        lock (_lock)
        {
            var number = _made + 1;
            if (number <= _appliedBefore)
            {
                // Made before, by an earlier execution of this attempt, and already in the metadata it started with.
                _made = number;
                return this;
            }

            // Applied here first: a change that cannot apply, or would pass the limit, fails at the call and is not numbered.
            _document?.Apply([operation]);
            _made = number;
            if (_send is not null)
            {
                _pending.Add(operation);
            }
        }

        _changed?.Invoke();
        return this;
    }

    private MetadataDocument Readable() =>
        _document ?? throw new InvalidOperationException("A parent's or root's metadata can be written from a child run, not read; read it from that run.");

    private static string Key(string key) =>
        string.IsNullOrEmpty(key) ? throw new InvalidRequestException("A metadata key is empty; give a name.", nameof(key)) : key;

    private static string Json(object? value) =>
        value is null ? "null" : JsonSerializer.Serialize(value, value.GetType(), TaskJson.Options);
}
