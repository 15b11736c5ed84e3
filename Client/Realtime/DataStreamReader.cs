using System.Runtime.CompilerServices;
using System.Text.Json;
using Orleans.Streams;
using OrleansTasks.Hosting;
using OrleansTasks.Listing;
using OrleansTasks.Runs;
using OrleansTasks.Streams;

namespace OrleansTasks.Realtime;

/// <summary>
/// Reads runs' data streams for the client (<see cref="IRunsClient.ReadStreamAsync{T}"/>): from the store up to where
/// it has chunks, then live, falling back to the store whenever a live chunk is missing (a gap, a buffer that
/// overflowed, a heartbeat with nothing new), until the stream ends or its run does.
/// </summary>
internal sealed class DataStreamReader(TaskClient client, IGrainFactory grains, Func<SharedTopics> topics, TaskClientOptions options, TimeProvider time)
{
    private const int PageSize = 1000;

    public IAsyncEnumerable<T> Read<T>(string runId, string key, long fromOffset, CancellationToken cancellationToken)
    {
        Guard.NotBlank(runId);
        StreamLimits.CheckKey(key, nameof(key));
        if (fromOffset < 0)
        {
            throw new InvalidRequestException($"fromOffset is {fromOffset}; a stream's chunks are numbered from 0.", nameof(fromOffset));
        }

        return ReadTypedAsync<T>(runId, key, fromOffset, cancellationToken);
    }

    private async IAsyncEnumerable<T> ReadTypedAsync<T>(string runId, string key, long fromOffset, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var chunk in ReadChunksAsync(runId, key, fromOffset, cancellationToken).ConfigureAwait(false))
        {
            yield return JsonSerializer.Deserialize<T>(chunk.Json, TaskJson.Options)!;
        }
    }

    /// <summary>Every chunk from <paramref name="fromOffset"/> on, in order, each once, until the stream or its run ends.</summary>
    public async IAsyncEnumerable<StreamChunk> ReadChunksAsync(string runId, string key, long fromOffset, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var feed = new StreamFeed();
        await using (var lease = await TopicLease.TakeAsync(client, grains, topics(), [RealtimeTopic.ForStream(runId, key)], feed, options, cancellationToken).ConfigureAwait(false))
        {
            var runFinal = (await client.RetrieveAsync(runId, cancellationToken).ConfigureAwait(false)).IsFinal;
            var next = fromOffset;
            while (true)
            {
                // From the store, until it has nothing more.
                var page = await client.CallAsync(() => grains.Reference<IRunQueryGrain>(0).ReadStreamAsync(runId, key, next, PageSize), cancellationToken).ConfigureAwait(false);
                foreach (var chunk in page.Chunks)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    yield return chunk;
                    next = chunk.Offset + 1;
                }

                if (page.Chunks.Length == PageSize)
                {
                    continue;
                }

                if (page.Ended || runFinal)
                {
                    // Ended, or its run ended: a run's last chunks are stored before its final state, so none can follow.
                    yield break;
                }

                // Then live, until a chunk is missing or a heartbeat passes with nothing new.
                var readStore = false;
                while (!readStore)
                {
                    switch (feed.TryTake(next, out var json))
                    {
                        case StreamFeed.Take.Chunk:
                            cancellationToken.ThrowIfCancellationRequested();
                            yield return new StreamChunk(next, json!);
                            next++;
                            continue;
                        case StreamFeed.Take.Ended:
                            yield break;
                        case StreamFeed.Take.ReadStore:
                            readStore = true;
                            continue;
                    }

                    using var heartbeat = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    var beat = Task.Delay(options.RealtimeHeartbeat, time, heartbeat.Token);
                    var arrived = feed.Arrival();
                    if (await Task.WhenAny(arrived, beat).WaitAsync(cancellationToken).ConfigureAwait(false) == beat)
                    {
                        await lease.RenewAsync(cancellationToken).ConfigureAwait(false);
                        runFinal = (await client.RetrieveAsync(runId, cancellationToken).ConfigureAwait(false)).IsFinal;
                        readStore = true;
                    }

                    await heartbeat.CancelAsync().ConfigureAwait(false);
                }
            }
        }
    }
}
