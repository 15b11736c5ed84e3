using System.Threading.Channels;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Streams;
using OrleansTasks.Storage;
using OrleansTasks.Updates;

namespace OrleansTasks.Realtime;

/// <summary>
/// Publishes the updates of followed runs on the realtime streams, one stream per topic (<see cref="RealtimeTopic"/>).
/// A run write never waits for it: updates queue here and one loop sends them, grouping what has piled up by topic,
/// so under load one stream item carries many updates. A topic's items leave in the order their updates were
/// committed, which is each run's sequence order.
/// </summary>
internal sealed partial class RealtimePublisher(
    RealtimeInterest interest,
    IServiceProvider services,
    IGrainFactory grains,
    ILogger<RealtimePublisher> logger) : IRunUpdateObserver, ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>The most updates one round of the loop takes; a round sends one item per topic.</summary>
    private const int RoundSize = 4096;

    /// <summary>
    /// How long a round waits for more updates after the first: a little latency buys items that carry many updates, so
    /// under load the streams move a few hundred items a second, not one per update.
    /// </summary>
    private static readonly TimeSpan s_linger = TimeSpan.FromMilliseconds(5);

    private readonly Channel<(RealtimeTopic[] Topics, RunUpdate Update)> _queue =
        Channel.CreateUnbounded<(RealtimeTopic[], RunUpdate)>(new UnboundedChannelOptions { SingleReader = true });

    private Task? _sending;

    public bool Wants(RunState state) => interest.Follows(state);

    public void OnUpdated(RunUpdate update)
    {
        var topics = interest.TopicsOf(update.RunId, update.Run.BatchId, update.Run.Tags).ToArray();
        if (topics.Length > 0)
        {
            _queue.Writer.TryWrite((topics, update));
        }
    }

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(RealtimePublisher), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    private Task StartAsync(CancellationToken cancellationToken)
    {
        var provider = services.GetRequiredKeyedService<IStreamProvider>(RealtimeTopic.ProviderName);
        _sending = Task.Run(() => SendLoopAsync(provider), CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        // What is queued still goes out while the silo can send: its last updates are often the runs' final states.
        _queue.Writer.TryComplete();
        if (_sending is not null)
        {
            await _sending.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task SendLoopAsync(IStreamProvider provider)
    {
        var reader = _queue.Reader;
        var round = new Dictionary<RealtimeTopic, List<RunUpdate>>();
        while (await reader.WaitToReadAsync())
        {
            await Task.Delay(s_linger);
            var taken = 0;
            while (taken < RoundSize && reader.TryRead(out var item))
            {
                taken++;
                foreach (var topic in item.Topics)
                {
                    if (!round.TryGetValue(topic, out var updates))
                    {
                        round[topic] = updates = [];
                    }

                    updates.Add(item.Update);
                }
            }

            await Task.WhenAll(round.Select(pair => SendAsync(provider, pair.Key, [.. pair.Value])));
            round.Clear();
        }
    }

    private async Task SendAsync(IStreamProvider provider, RealtimeTopic topic, RunUpdate[] updates)
    {
        try
        {
            await provider.GetStream<RunUpdateBatch>(StreamId.Create(topic.Namespace, topic.Key)).OnNextAsync(new RunUpdateBatch(updates));
        }
        catch (Exception exception)
        {
            // The register's generation moves on, so the topic's subscribers read their snapshots again.
            LogSendFailed(exception, updates.Length, topic.ToString());
            try
            {
                await grains.Reference<IRealtimeInterestGrain>(0).ReportLostAsync();
            }
            catch (Exception reportFailure)
            {
                LogSendFailed(reportFailure, updates.Length, topic.ToString());
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish {Count} realtime updates on {Topic}.")]
    private partial void LogSendFailed(Exception exception, int count, string topic);
}
