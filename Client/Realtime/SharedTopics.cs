using Orleans.Streams;

namespace OrleansTasks.Realtime;

/// <summary>
/// The client's Orleans stream subscriptions, one per topic however many of the process's subscriptions follow it: a
/// web server with a thousand browsers on one tag receives each update once and hands it to each of them here. The
/// subscription is made when the first follower comes and removed when the last one goes.
/// </summary>
internal sealed class SharedTopics(IStreamProvider provider)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<StreamId, Topic> _topics = [];

    /// <summary>Starts handing <paramref name="observer"/> the topic's items; dispose the result to stop.</summary>
    public async Task<IAsyncDisposable> FollowAsync<T>(RealtimeTopic topic, IAsyncObserver<T> observer, Func<Func<Task<StreamSubscriptionHandle<T>>>, Task<StreamSubscriptionHandle<T>>> call)
    {
        var id = StreamId.Create(topic.Namespace, topic.Key);
        Topic shared;
        lock (_lock)
        {
            if (!_topics.TryGetValue(id, out shared!))
            {
                _topics[id] = shared = new Topic();
            }

            shared.Users++;
        }

        await shared.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            shared.Add(observer);
            if (shared.Unsubscribe is null)
            {
                var fanOut = new FanOut<T>(shared);
                var handle = await call(() => provider.GetStream<T>(id).SubscribeAsync(fanOut)).ConfigureAwait(false);
                shared.Unsubscribe = handle.UnsubscribeAsync;
            }
        }
        catch
        {
            shared.Remove(observer);
            shared.Gate.Release();
            await ReleaseAsync(id, shared).ConfigureAwait(false);
            throw;
        }

        shared.Gate.Release();
        return new Following(async () =>
        {
            shared.Remove(observer);
            await ReleaseAsync(id, shared).ConfigureAwait(false);
        });
    }

    private async Task ReleaseAsync(StreamId id, Topic shared)
    {
        lock (_lock)
        {
            if (--shared.Users > 0)
            {
                return;
            }

            _topics.Remove(id);
        }

        // The last follower left: nobody can join this topic object any more (it left the dictionary).
        if (shared.Unsubscribe is { } unsubscribe)
        {
            await unsubscribe().ConfigureAwait(false);
        }
    }

    private sealed class Topic
    {
        private readonly Lock _lock = new();
        private object[] _observers = [];

        public SemaphoreSlim Gate { get; } = new(1, 1);

        /// <summary>Removes the Orleans subscription; null until it is made.</summary>
        public Func<Task>? Unsubscribe { get; set; }

        public int Users { get; set; }

        public object[] Observers => Volatile.Read(ref _observers);

        public void Add(object observer)
        {
            lock (_lock)
            {
                _observers = [.. _observers, observer];
            }
        }

        public void Remove(object observer)
        {
            lock (_lock)
            {
                _observers = [.. _observers.Where(o => !ReferenceEquals(o, observer))];
            }
        }
    }

    private sealed class FanOut<T>(Topic topic) : IAsyncObserver<T>
    {
        public async Task OnNextAsync(T item, StreamSequenceToken? token = null)
        {
            foreach (IAsyncObserver<T> observer in topic.Observers)
            {
                await observer.OnNextAsync(item, token).ConfigureAwait(false);
            }
        }

        public Task OnCompletedAsync() => Task.CompletedTask;

        public async Task OnErrorAsync(Exception ex)
        {
            foreach (IAsyncObserver<T> observer in topic.Observers)
            {
                await observer.OnErrorAsync(ex).ConfigureAwait(false);
            }
        }
    }

    private sealed class Following(Func<Task> release) : IAsyncDisposable
    {
        private int _released;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                await release().ConfigureAwait(false);
            }
        }
    }
}
