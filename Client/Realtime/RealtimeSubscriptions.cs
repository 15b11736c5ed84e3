using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Streams;
using OrleansTasks.Hosting;

namespace OrleansTasks.Realtime;

/// <summary>The client's realtime subscriptions (<see cref="IRunsClient.SubscribeToRunAsync(string, bool, CancellationToken)"/> and the rest).</summary>
internal sealed class RealtimeSubscriptions(TaskClient client, IGrainFactory grains, IServiceProvider? services, TaskClientOptions options, TimeProvider time)
{
    /// <summary>The process's shared stream subscriptions, one per topic.</summary>
    public SharedTopics Topics => field ??= new SharedTopics(Provider);

    private IStreamProvider Provider => services?.GetKeyedService<IStreamProvider>(RealtimeTopic.ProviderName)
        ?? throw new InvalidConfigurationException(
            $"Realtime subscriptions need the Orleans stream provider '{RealtimeTopic.ProviderName}', which AddOrleansTasksClient (on an Orleans client builder) and AddOrleansTasks (on a silo) add; this client was built without either.");

    public IAsyncEnumerable<TaskRun> ToRun(string runId, bool stopOnCompletion, CancellationToken cancellationToken)
    {
        Guard.NotBlank(runId);
        return ReadAsync(RealtimeQuery.ForRun(runId), stopOnCompletion, cancellationToken);
    }

    public IAsyncEnumerable<TaskRun> ToRunsWithTag(IReadOnlyList<string> tags, DateTimeOffset? createdAfter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tags);
        if (tags.Count == 0)
        {
            throw new InvalidRequestException($"Subscribe to 1 to {TaskLimits.MaxTags} tags; none were given.", nameof(tags));
        }

        if (TaskLimits.TagProblem(tags) is { } problem)
        {
            throw new InvalidRequestException($"The tags to subscribe to: {problem}.", nameof(tags));
        }

        var after = createdAfter ?? time.GetUtcNow() - DefaultCreatedWithin;
        return ReadAsync(RealtimeQuery.ForTags([.. tags.Distinct(StringComparer.Ordinal)], after), stopOnFinal: false, cancellationToken);
    }

    public IAsyncEnumerable<TaskRun> ToBatch(string batchId, CancellationToken cancellationToken)
    {
        Guard.NotBlank(batchId);
        return ReadAsync(RealtimeQuery.ForBatch(batchId), stopOnFinal: false, cancellationToken);
    }

    /// <summary>
    /// Opens a subscription and returns once its snapshot is in its feed (the states pending there when this returns
    /// are the snapshot; later ones are changes): for the HTTP API's realtime shapes, which answer the snapshot first.
    /// </summary>
    internal Task<RealtimeSubscription> OpenAsync(RealtimeQuery query, CancellationToken cancellationToken) =>
        RealtimeSubscription.OpenAsync(query, client, grains, Topics, options, time, cancellationToken);

    /// <summary>How far back a tag subscription's snapshot looks when the caller does not say.</summary>
    public static readonly TimeSpan DefaultCreatedWithin = TimeSpan.FromDays(1);

    private async IAsyncEnumerable<TaskRun> ReadAsync(RealtimeQuery query, bool stopOnFinal, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var subscription = await RealtimeSubscription.OpenAsync(query, client, grains, Topics, options, time, cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var run = await subscription.Feed.ReadAsync(cancellationToken).ConfigureAwait(false);
            yield return run;
            if (stopOnFinal && run.Status.IsFinal())
            {
                yield break;
            }
        }
    }
}
