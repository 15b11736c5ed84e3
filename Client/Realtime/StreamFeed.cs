using Orleans.Streams;
using OrleansTasks.Streams;

namespace OrleansTasks.Realtime;

/// <summary>
/// Chunks of a data stream that arrived live and were not yet read, by offset. Bounded: past
/// <see cref="MaxBuffered"/> chunks it drops them and says so, and the reader reads the store instead, so a reader
/// slower than its stream costs a bounded buffer, never one that grows with the stream.
/// </summary>
internal sealed class StreamFeed : IAsyncObserver<StreamChunkBatch>
{
    public const int MaxBuffered = 10_000;

    private readonly Lock _lock = new();
    private readonly SortedDictionary<long, string> _chunks = [];
    private long? _endsAt;
    private bool _overflowed;
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>What the reader can take at <paramref name="next"/>.</summary>
    public Take TryTake(long next, out string? json)
    {
        lock (_lock)
        {
            json = null;
            while (_chunks.Count > 0 && _chunks.First().Key < next)
            {
                _chunks.Remove(_chunks.First().Key);
            }

            if (_chunks.Remove(next, out json))
            {
                return Take.Chunk;
            }

            if (_endsAt is { } end && end <= next && !_overflowed)
            {
                return Take.Ended;
            }

            if (_overflowed || _chunks.Count > 0 || _endsAt is not null)
            {
                // A gap (an item lost on the way) or a dropped buffer: the store has what is missing.
                _overflowed = false;
                _chunks.Clear();
                return Take.ReadStore;
            }

            return Take.Nothing;
        }
    }

    /// <summary>Completes when something arrives after the last call (or at once if something has).</summary>
    public Task Arrival()
    {
        lock (_lock)
        {
            if (_arrived.Task.IsCompleted && (_chunks.Count > 0 || _endsAt is not null || _overflowed))
            {
                return Task.CompletedTask;
            }

            if (_arrived.Task.IsCompleted)
            {
                _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            return _arrived.Task;
        }
    }

    public Task OnNextAsync(StreamChunkBatch item, StreamSequenceToken? token = null)
    {
        lock (_lock)
        {
            foreach (var chunk in item.Chunks)
            {
                if (_chunks.Count >= MaxBuffered)
                {
                    _overflowed = true;
                    _chunks.Clear();
                    break;
                }

                _chunks[chunk.Offset] = chunk.Json;
            }

            if (item.Ended)
            {
                _endsAt = item.Length;
            }

            _arrived.TrySetResult();
        }

        return Task.CompletedTask;
    }

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex)
    {
        lock (_lock)
        {
            _overflowed = true;
            _arrived.TrySetResult();
        }

        return Task.CompletedTask;
    }

    public enum Take
    {
        Nothing,
        Chunk,
        Ended,
        ReadStore,
    }
}
