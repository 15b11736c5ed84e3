namespace OrleansTasks.Streams;

/// <summary>Where runs' data-stream chunks are kept: PostgreSQL, or memory in development mode.</summary>
internal interface IRunStreamStore
{
    /// <summary>Stores chunks of one stream (offsets given); returns once they are durable.</summary>
    Task AppendAsync(StreamRows rows, CancellationToken cancellationToken = default);

    /// <summary>What a stream's grain needs when it starts: its length, size, whether it ended, and each source's last stored number.</summary>
    Task<StreamState> LoadAsync(string runId, string streamKey, CancellationToken cancellationToken = default);

    /// <summary>Up to <paramref name="limit"/> chunks from <paramref name="from"/> on, and whether the stream ends after them.</summary>
    Task<StreamPage> ReadAsync(string runId, string streamKey, long from, int limit, CancellationToken cancellationToken = default);

    /// <summary>Deletes chunks stored before <paramref name="cutoff"/>, up to <paramref name="batchSize"/> stored appends at a time; returns how many chunks (and stream ends) went.</summary>
    Task<int> DeleteStoredBeforeAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken = default);
}

/// <summary>Chunks to store for one stream: from one source, numbered <see cref="FirstSequence"/> on, at offsets <see cref="FirstOffset"/> on; <see cref="End"/> adds the ending row after them.</summary>
internal sealed record StreamRows(string RunId, string StreamKey, string Source, long FirstSequence, long FirstOffset, IReadOnlyList<string> Chunks, bool End)
{
    /// <summary>The chunks' size in bytes of UTF-8 JSON, counted once here for the stream's limit and for the stored row.</summary>
    public long Bytes { get; } = StreamSegments.Bytes(Chunks);
}

/// <summary>A stream as stored: how many chunks, their size in bytes of JSON, whether it ended, and the last number stored from each source.</summary>
internal sealed record StreamState(long Length, long Bytes, bool Ended, IReadOnlyDictionary<string, long> Sources)
{
    public static readonly StreamState Empty = new(0, 0, false, new Dictionary<string, long>());
}
