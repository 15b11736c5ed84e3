using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace OrleansTasks.Realtime;

/// <summary>
/// A run's states and its data streams' chunks in one sequence (<see cref="IRunsClient.SubscribeToRunWithStreamsAsync"/>).
/// The run's subscription and one reader per stream (started when a state first lists the stream) write into one small
/// bounded channel: a reader that falls behind holds the writers back, the run's states meanwhile conflate to the
/// newest, and the stream readers fall back to the store, so memory stays bounded.
/// </summary>
internal sealed class RunWithStreamsSubscription(RealtimeSubscriptions runs, DataStreamReader streams)
{
    private const int Capacity = 256;

    public async IAsyncEnumerable<RealtimeEvent> ReadAsync(string runId, bool stopOnCompletion, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var events = Channel.CreateBounded<RealtimeEvent>(new BoundedChannelOptions(Capacity) { SingleReader = true });
        var readers = new List<Task>();
        var started = new HashSet<string>(StringComparer.Ordinal);
        var pump = Task.Run(async () =>
        {
            try
            {
                await foreach (var run in runs.ToRun(runId, stopOnCompletion, stop.Token).ConfigureAwait(false))
                {
                    foreach (var key in run.Streams.Where(started.Add))
                    {
                        readers.Add(Task.Run(() => PumpStreamAsync(runId, key, events.Writer, stop.Token), stop.Token));
                    }

                    await events.Writer.WriteAsync(new RunUpdated(run), stop.Token).ConfigureAwait(false);
                }

                // The run is final: its streams end too, once their readers have read everything stored.
                await Task.WhenAll(readers).ConfigureAwait(false);
                events.Writer.TryComplete();
            }
            catch (Exception exception)
            {
                events.Writer.TryComplete(exception);
            }
        }, CancellationToken.None);

        try
        {
            await foreach (var item in events.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                // Events already buffered are not handed over once the reader cancels.
                cancellationToken.ThrowIfCancellationRequested();
                yield return item;
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await pump.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await Task.WhenAll(readers).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task PumpStreamAsync(string runId, string key, ChannelWriter<RealtimeEvent> events, CancellationToken cancellationToken)
    {
        await foreach (var chunk in streams.ReadChunksAsync(runId, key, 0, cancellationToken).ConfigureAwait(false))
        {
            await events.WriteAsync(new StreamChunkArrived(runId, key, chunk.Offset, chunk.Json), cancellationToken).ConfigureAwait(false);
        }
    }
}
