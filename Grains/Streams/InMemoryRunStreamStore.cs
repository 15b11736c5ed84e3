namespace OrleansTasks.Streams;

/// <summary>Data-stream chunks in memory (development mode and tests).</summary>
internal sealed class InMemoryRunStreamStore(TimeProvider time) : IRunStreamStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string RunId, string Key), List<Row>> _streams = [];

    public Task AppendAsync(StreamRows rows, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            // A stream's rows are dense and in offset order (retention removes the oldest), so a row at or below the
            // last one was stored before.
            var stream = StreamOf(rows.RunId, rows.StreamKey);
            var count = rows.Chunks.Count + (rows.End ? 1 : 0);
            for (var i = 0; i < count; i++)
            {
                var offset = rows.FirstOffset + i;
                if (stream.Count == 0 || offset == stream[^1].Offset + 1)
                {
                    stream.Add(new Row(offset, rows.Source, rows.FirstSequence + i, i < rows.Chunks.Count ? rows.Chunks[i] : null, time.GetUtcNow()));
                }
            }
        }

        return Task.CompletedTask;
    }

    public Task<StreamState> LoadAsync(string runId, string streamKey, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var stream = StreamOf(runId, streamKey);
            var chunks = stream.Where(r => r.Chunk is not null).ToList();
            var sources = stream.GroupBy(r => r.Source).ToDictionary(g => g.Key, g => g.Max(r => r.Sequence));
            return Task.FromResult(new StreamState(
                chunks.Count == 0 ? 0 : chunks.Max(r => r.Offset) + 1,
                StreamSegments.Bytes([.. chunks.Select(r => r.Chunk!)]),
                stream.Any(r => r.Chunk is null),
                sources));
        }
    }

    public Task<StreamPage> ReadAsync(string runId, string streamKey, long from, int limit, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var stream = StreamOf(runId, streamKey);
            var start = stream.Count == 0 ? 0 : (int)Math.Clamp(from - stream[0].Offset, 0, stream.Count);
            var chunks = new List<StreamChunk>();
            var ended = false;
            for (var i = start; i < stream.Count && chunks.Count <= limit; i++)
            {
                if (stream[i].Chunk is not { } json)
                {
                    ended = true;
                    break;
                }

                if (chunks.Count == limit)
                {
                    break;
                }

                chunks.Add(new StreamChunk(stream[i].Offset, json));
            }

            return Task.FromResult(new StreamPage([.. chunks], ended));
        }
    }

    public Task<int> DeleteStoredBeforeAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var deleted = 0;
            foreach (var (key, stream) in _streams.ToList())
            {
                deleted += stream.RemoveAll(r => r.StoredAt < cutoff);
                if (stream.Count == 0)
                {
                    _streams.Remove(key);
                }
            }

            return Task.FromResult(deleted);
        }
    }

    private List<Row> StreamOf(string runId, string key)
    {
        if (!_streams.TryGetValue((runId, key), out var stream))
        {
            _streams[(runId, key)] = stream = [];
        }

        return stream;
    }

    private sealed record Row(long Offset, string Source, long Sequence, string? Chunk, DateTimeOffset StoredAt);
}
