namespace OrleansTasks.Streams;

/// <summary>
/// Chunks a writer sends to a stream: the chunks numbered <see cref="FirstSequence"/> onward by their
/// <see cref="Source"/> (one execution of one attempt writing to one target). The stream stores each numbered chunk
/// once, so a replayed execution that writes its chunks again, or a batch sent again after a lost answer, adds nothing.
/// <see cref="End"/> ends the stream after them.
/// </summary>
[GenerateSerializer, Alias("ot.StreamAppend")]
internal sealed record StreamAppend(
    [property: Id(0)] string Source,
    [property: Id(1)] long FirstSequence,
    [property: Id(2)] string[] ChunksJson,
    [property: Id(3)] bool End);

/// <summary>One stored chunk: its place in the stream and its JSON.</summary>
[GenerateSerializer, Alias("ot.StreamChunk")]
internal sealed record StreamChunk([property: Id(0)] long Offset, [property: Id(1)] string Json);

/// <summary>Chunks read from a stream, from an offset, and whether the stream has ended after them.</summary>
[GenerateSerializer, Alias("ot.StreamPage")]
internal sealed record StreamPage([property: Id(0)] StreamChunk[] Chunks, [property: Id(1)] bool Ended);

/// <summary>The realtime item of a data stream: chunks just stored (in offset order), the stream's length after them, and whether it ended there.</summary>
[GenerateSerializer, Alias("ot.StreamChunkBatch")]
internal sealed record StreamChunkBatch([property: Id(0)] StreamChunk[] Chunks, [property: Id(1)] bool Ended, [property: Id(2)] long Length);
