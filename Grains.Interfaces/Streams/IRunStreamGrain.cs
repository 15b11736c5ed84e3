namespace OrleansTasks.Streams;

/// <summary>
/// One data stream of one run, keyed <c>{runId}/{streamKey}</c>: numbers chunks in the order they arrive, stores
/// them (each numbered chunk once) and then publishes them to live readers. Engine grain.
/// </summary>
[Alias("ot.IRunStreamGrain")]
internal interface IRunStreamGrain : IGrainWithStringKey
{
    /// <summary>Stores the chunks not stored yet; returns once they are durable.</summary>
    /// <exception cref="StreamLimitException">A chunk or the stream would be too large, or the run has too many streams.</exception>
    /// <exception cref="InvalidRunOperationException">The stream has ended.</exception>
    [Alias("append")]
    Task AppendAsync(StreamAppend append);

    static string KeyOf(string runId, string streamKey) => $"{runId}/{streamKey}";
}
