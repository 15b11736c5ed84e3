using System.Text;

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
            var stream = StreamOf(rows.RunId, rows.StreamKey);
            var offset = rows.FirstOffset;
            var sequence = rows.FirstSequence;
            foreach (var chunk in rows.Chunks)
            {
                if (!stream.Any(r => r.Offset == offset))
                {
                    stream.Add(new Row(offset, rows.Source, sequence, chunk, time.GetUtcNow()));
                }

                offset++;
                sequence++;
            }

            if (rows.End && !stream.Any(r => r.Chunk is null))
            {
                stream.Add(new Row(offset, rows.Source, sequence, null, time.GetUtcNow()));
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
                chunks.Sum(r => (long)Encoding.UTF8.GetByteCount(r.Chunk!)),
                stream.Any(r => r.Chunk is null),
                sources));
        }
    }

    public Task<StreamPage> ReadAsync(string runId, string streamKey, long from, int limit, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var rows = StreamOf(runId, streamKey).Where(r => r.Offset >= from).OrderBy(r => r.Offset).Take(limit + 1).ToList();
            var chunks = rows.TakeWhile(r => r.Chunk is not null).Take(limit).Select(r => new StreamChunk(r.Offset, r.Chunk!)).ToArray();
            return Task.FromResult(new StreamPage(chunks, Ended: rows.Skip(chunks.Length).FirstOrDefault() is { Chunk: null }));
        }
    }

    public Task<int> DeleteStoredBeforeAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var deleted = 0;
            foreach (var stream in _streams.Values)
            {
                deleted += stream.RemoveAll(r => r.StoredAt < cutoff);
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
