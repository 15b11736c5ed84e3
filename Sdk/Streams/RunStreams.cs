using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using OrleansTasks.Streams;

namespace OrleansTasks;

/// <summary>
/// A run's data streams from inside its task (<c>context.Streams</c>, Trigger.dev's <c>streams</c>): named sequences of
/// JSON chunks, such as an LLM's tokens, that readers follow live (<c>Runs.ReadStreamAsync</c>) and that are stored, so
/// a reader that comes late or reconnects gets every chunk. A stream belongs to this run, its parent or its root
/// (<see cref="StreamTarget"/>).
/// </summary>
/// <remarks>
/// Chunks are sent in the background, a batch at a time, and are stored before readers see them;
/// <see cref="FlushAsync"/> waits for them, and the attempt does before it ends. Replay-safe: a replayed execution
/// that writes its chunks again (after a wait, or after a silo died) adds none that were stored already. A retried
/// attempt writes afresh, as in Trigger.dev. Limits: <see cref="StreamLimits"/>.
/// </remarks>
public sealed class RunStreams
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string RunId, string Key), StreamWriter> _writers = [];
    private readonly string _runId;
    private readonly string? _parentRunId;
    private readonly string _rootRunId;
    private readonly string _source;
    private readonly Func<string, string, StreamAppend, Task> _send;

    internal RunStreams(string runId, string? parentRunId, string? rootRunId, string source, Func<string, string, StreamAppend, Task> send)
    {
        _runId = runId;
        _parentRunId = parentRunId;
        _rootRunId = rootRunId ?? runId;
        _source = source;
        _send = send;
    }

    /// <summary>
    /// Writes each item of <paramref name="source"/> to the stream <paramref name="key"/> and hands it on, so the code
    /// consumes the items as they pass (Trigger.dev's <c>pipe</c>). When <paramref name="source"/> ends, a stream of this
    /// run ends too (its readers stop); a parent's or root's stream stays open for other writers until that run ends.
    /// The sequence completes once every chunk is stored.
    /// </summary>
    /// <exception cref="InvalidRequestException">The key is not 1 to 64 letters, digits, '-', '_', '.' or ':', or the run has no parent.</exception>
    /// <exception cref="StreamLimitException">A chunk is over 1 MiB of JSON, the stream over 300 MiB, or the run would have over 100 streams.</exception>
    public async IAsyncEnumerable<T> Pipe<T>(string key, IAsyncEnumerable<T> source, StreamTarget target = StreamTarget.Self, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var writer = WriterFor(key, target);
        await foreach (var item in source.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            writer.Append(Serialize(key, item));
            await writer.WhenRoomAsync().ConfigureAwait(false); // a source faster than storage waits, so memory and lag stay bounded
            yield return item;
        }

        if (target == StreamTarget.Self)
        {
            writer.End();
        }

        await writer.FlushAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Writes one chunk to the stream <paramref name="key"/> (Trigger.dev's <c>append</c>); it is sent in the background.
    /// Appends never end a stream: it ends when its run does.
    /// </summary>
    /// <exception cref="InvalidRequestException">The key is not valid, or the run has no parent.</exception>
    /// <exception cref="StreamLimitException">The chunk is over 1 MiB of JSON, or an earlier append of this stream was refused for a limit.</exception>
    public void Append<T>(string key, T item, StreamTarget target = StreamTarget.Self) =>
        WriterFor(key, target).Append(Serialize(key, item));

    /// <summary>Waits until every chunk written so far, to any stream, is stored.</summary>
    /// <exception cref="StreamLimitException">A write was refused for a limit.</exception>
    public async Task FlushAsync()
    {
        StreamWriter[] writers;
        lock (_lock)
        {
            writers = [.. _writers.Values];
        }

        foreach (var writer in writers)
        {
            await writer.FlushAsync().ConfigureAwait(false);
        }
    }

    private StreamWriter WriterFor(string key, StreamTarget target)
    {
        StreamLimits.CheckKey(key, nameof(key));
        var runId = target switch
        {
            StreamTarget.Self => _runId,
            StreamTarget.Parent => _parentRunId ?? throw new InvalidRequestException($"Run {_runId} has no parent, so it cannot write to its parent's stream '{key}'.", "target"),
            StreamTarget.Root => _rootRunId,
            _ => throw new InvalidRequestException($"{target} is not a stream target.", "target"),
        };
        lock (_lock)
        {
            if (!_writers.TryGetValue((runId, key), out var writer))
            {
                _writers[(runId, key)] = writer = new StreamWriter(_source, append => _send(runId, key, append));
            }

            return writer;
        }
    }

    private static string Serialize<T>(string key, T item)
    {
        var json = JsonSerializer.Serialize(item, TaskJson.Options);
        if (json.Length > StreamLimits.MaxChunkBytes / 3 && Encoding.UTF8.GetByteCount(json) is var bytes && bytes > StreamLimits.MaxChunkBytes)
        {
            throw new StreamLimitException($"A chunk of the stream '{key}' is {bytes:N0} bytes of JSON; at most {StreamLimits.MaxChunkBytes:N0} are allowed. It was not written.");
        }

        return json;
    }
}
