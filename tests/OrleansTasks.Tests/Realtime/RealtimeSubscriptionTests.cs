using Microsoft.Extensions.DependencyInjection;
using Orleans.Streams;
using OrleansTasks.Realtime;
using OrleansTasks.Runs;
using OrleansTasks.Storage;
using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Realtime;

/// <summary>Realtime subscriptions on an in-process cluster: what they yield, in what order, and what they hold.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RealtimeSubscriptionTests(ClusterFixture fixture)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly ITaskClient _tasks = fixture.Tasks;

    [Fact]
    public async Task SubscribeToRun_YieldsTheCurrentStateThenEachChangeInOrder_AndEndsAfterTheFinalState()
    {
        var key = Guid.NewGuid().ToString("N");
        var handle = await _tasks.For<ProgressTask>().TriggerAsync(new ProgressPayload(key, Steps: 3, Gated: true), new TriggerOptions { Tags = ["realtime-order"] });

        var seen = new List<TaskRun>();
        var released = 0;
        await foreach (var run in _tasks.Runs.SubscribeToRunAsync(handle.Id).Within(s_timeout, "the subscription"))
        {
            seen.Add(run);

            // Each step waits until the test has seen it: so every step is a state the subscriber must see.
            var progress = run.GetMetadata<int>("progress");
            if (progress > released)
            {
                Assert.Equal(released + 1, progress);
                released = progress;
                Probe.Release($"{key}:{progress}");
            }
        }

        Assert.Equal(3, released);
        Assert.Equal(RunStatus.Completed, seen[^1].Status);
        Assert.Equal(3, seen[^1].GetMetadata<int>("progress"));
        Assert.All(seen, run => Assert.Equal(handle.Id, run.Id));
        AssertInOrder(seen);
        Assert.Single(seen, run => run.Status.IsFinal());
    }

    [Fact]
    public async Task SubscribeToRun_ARunThatIsAlreadyFinal_YieldsItOnceAndEnds()
    {
        var handle = await _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(1, "done already"));
        var final = await _tasks.Runs.PollAsync(handle).Within(s_timeout, "the run");

        var seen = await _tasks.Runs.SubscribeToRunAsync(handle).ToListAsync().AsTask().Within(s_timeout, "the subscription");

        var only = Assert.Single(seen);
        Assert.Equal(RunStatus.Completed, only.Run.Status);
        Assert.Equal(final.Run.Version, only.Run.Version);
        Assert.Equal("done already", only.Output!.Text);
    }

    [Fact]
    public async Task SubscribeToRun_WithoutStopOnCompletion_KeepsGoingAfterTheFinalState()
    {
        var handle = await _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(1, "keep going"));
        await _tasks.Runs.PollAsync(handle).Within(s_timeout, "the run");
        using var stop = new CancellationTokenSource();

        await using var subscription = _tasks.Runs.SubscribeToRunAsync(handle.Id, stopOnCompletion: false, stop.Token).GetAsyncEnumerator();
        Assert.True(await subscription.MoveNextAsync().AsTask().Within(s_timeout, "the snapshot"));
        Assert.Equal(RunStatus.Completed, subscription.Current.Status);

        // A later change (new metadata) of the final run still arrives.
        await _tasks.Runs.UpdateMetadataAsync(handle.Id, new { reviewed = true });
        Assert.True(await subscription.MoveNextAsync().AsTask().Within(s_timeout, "the change after the end"));
        Assert.True(subscription.Current.GetMetadata<bool>("reviewed"));

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => subscription.MoveNextAsync().AsTask());
    }

    [Fact]
    public async Task SubscribeToRun_ASlowReader_GetsTheNewestStateInsteadOfABacklog()
    {
        var key = Guid.NewGuid().ToString("N");
        var handle = await _tasks.For<ProgressTask>().TriggerAsync(new ProgressPayload(key, Steps: 1, Gated: true, Burst: 1500));
        await using var subscription = _tasks.Runs.SubscribeToRunAsync(handle.Id).GetAsyncEnumerator();
        do
        {
            Assert.True(await subscription.MoveNextAsync().AsTask().Within(s_timeout, "the first step"));
        }
        while (subscription.Current.GetMetadata<int>("progress") < 1);

        // 1,500 more changes are made while the slow reader does not read: more than a subscription keeps before it
        // squeezes them. A second subscription in this process reads them as they come; the process's one stream
        // subscription hands each item to the slow one first, so once the fast one has the final state, so has it.
        await using var fast = _tasks.Runs.SubscribeToRunAsync(handle.Id).GetAsyncEnumerator();
        Probe.Release($"{key}:1");
        while (await fast.MoveNextAsync().AsTask().Within(s_timeout, "the fast reader"))
        {
        }

        var final = await _tasks.Runs.RetrieveAsync(handle);
        var afterwards = new List<TaskRun>();
        while (await subscription.MoveNextAsync().AsTask().Within(s_timeout, "the rest"))
        {
            afterwards.Add(subscription.Current);
        }

        Assert.Equal(1500, final.Run.GetMetadata<int>("burst"));
        Assert.True(afterwards.Count <= RunFeed.MaxPending, $"{afterwards.Count} states were handed over for 1,500 changes made while the reader did not read");
        Assert.Equal(final.Run.Version, afterwards[^1].Version);
        Assert.Equal(1500, afterwards[^1].GetMetadata<int>("burst"));
        AssertInOrder(afterwards);
    }

    [Fact]
    public async Task SubscribeToRun_CancelledOrLeft_ReleasesItsLeaseAndItsStream()
    {
        var key = Guid.NewGuid().ToString("N");
        var handle = await _tasks.For<ProgressTask>().TriggerAsync(new ProgressPayload(key, Steps: 1, Gated: true));
        using (var stop = new CancellationTokenSource())
        {
            var enumerator = _tasks.Runs.SubscribeToRunAsync(handle.Id, cancellationToken: stop.Token).GetAsyncEnumerator();
            Assert.True(await enumerator.MoveNextAsync().AsTask().Within(s_timeout, "the snapshot"));
            Assert.Single(await StreamHandlesAsync(handle.Id));
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => enumerator.MoveNextAsync().AsTask());
            await enumerator.DisposeAsync();
        }

        Assert.Empty(await StreamHandlesAsync(handle.Id));
        await Eventually.Poll(() => Watched(handle.Id), watched => !watched, s_timeout, "the lease on the run to be released");

        // Leaving an await foreach early releases it the same way.
        await foreach (var run in _tasks.Runs.SubscribeToRunAsync(handle.Id))
        {
            Assert.Single(await StreamHandlesAsync(handle.Id));
            break;
        }

        Assert.Empty(await StreamHandlesAsync(handle.Id));
        await Eventually.Poll(() => Watched(handle.Id), watched => !watched, s_timeout, "the lease on the run to be released");
        Probe.Release($"{key}:1");
    }

    [Fact]
    public async Task TwoSubscriptionsToOneRun_InOneClient_ShareOneStreamSubscription_AndBothSeeEveryState()
    {
        var key = Guid.NewGuid().ToString("N");
        var handle = await _tasks.For<ProgressTask>().TriggerAsync(new ProgressPayload(key, Steps: 1, Gated: true));
        await using var first = _tasks.Runs.SubscribeToRunAsync(handle.Id).GetAsyncEnumerator();
        await using var second = _tasks.Runs.SubscribeToRunAsync(handle.Id).GetAsyncEnumerator();
        Assert.True(await first.MoveNextAsync().AsTask().Within(s_timeout, "the first snapshot"));
        Assert.True(await second.MoveNextAsync().AsTask().Within(s_timeout, "the second snapshot"));

        Assert.Single(await StreamHandlesAsync(handle.Id));
        Probe.Release($"{key}:1");
        foreach (var subscription in new[] { first, second })
        {
            while (!subscription.Current.IsFinal)
            {
                Assert.True(await subscription.MoveNextAsync().AsTask().Within(s_timeout, "the final state"));
            }

            Assert.Equal(RunStatus.Completed, subscription.Current.Status);
            Assert.False(await subscription.MoveNextAsync());
        }

        Assert.Empty(await StreamHandlesAsync(handle.Id));
    }

    [Fact]
    public async Task SubscribeToRun_AnUnknownRun_FailsAtTheFirstReadAndHoldsNothing()
    {
        var runId = "run_" + Guid.NewGuid().ToString("N");

        await using var subscription = _tasks.Runs.SubscribeToRunAsync(runId).GetAsyncEnumerator();
        await Assert.ThrowsAsync<RunNotFoundException>(() => subscription.MoveNextAsync().AsTask());

        Assert.Empty(await StreamHandlesAsync(runId));
        Assert.False(await Watched(runId));
    }

    [Fact]
    public async Task SubscribeToRunsWithTag_YieldsMatchingRunsAndNewOnes_AndNothingElse()
    {
        var tag = "rt-" + Guid.NewGuid().ToString("N")[..12];
        var before = await _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(1, "before"), new TriggerOptions { Tags = [tag, "other"] });
        await _tasks.Runs.PollAsync(before).Within(s_timeout, "the earlier run");
        using var stop = new CancellationTokenSource();
        var finals = new Dictionary<string, TaskRun>();
        var seen = new List<TaskRun>();

        await using var subscription = _tasks.Runs.SubscribeToRunsWithTagAsync(tag, cancellationToken: stop.Token).GetAsyncEnumerator();
        Assert.True(await subscription.MoveNextAsync().AsTask().Within(s_timeout, "the snapshot"));
        seen.Add(subscription.Current);
        Assert.Equal(before.Id, subscription.Current.Id);

        var untagged = await _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(1, "untagged"));
        var after = await _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(1, "after"), new TriggerOptions { Tags = [tag] });
        while (!seen.Any(r => r.Id == after.Id && r.Status.IsFinal()))
        {
            Assert.True(await subscription.MoveNextAsync().AsTask().Within(s_timeout, "the new run's states"));
            seen.Add(subscription.Current);
        }

        await _tasks.Runs.PollAsync(untagged).Within(s_timeout, "the untagged run");
        Assert.DoesNotContain(seen, r => r.Id == untagged.Id);
        Assert.All(seen, r => Assert.Contains(tag, r.Tags));
        foreach (var run in seen.GroupBy(r => r.Id))
        {
            AssertInOrder([.. run]);
        }
    }

    [Fact]
    public async Task SubscribeToRunsWithTag_StatesTheStreamNeverCarried_ArriveAtAHeartbeat()
    {
        var tag = "rt-" + Guid.NewGuid().ToString("N")[..12];
        var delayed = await _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(1, "later"), new TriggerOptions { Tags = [tag], Delay = TimeSpan.FromHours(1) });
        using var stop = new CancellationTokenSource();
        await using var subscription = _tasks.Runs.SubscribeToRunsWithTagAsync(tag, cancellationToken: stop.Token).GetAsyncEnumerator();
        Assert.True(await subscription.MoveNextAsync().AsTask().Within(s_timeout, "the snapshot"));
        Assert.Equal((delayed.Id, RunStatus.Delayed), (subscription.Current.Id, subscription.Current.Status));

        // Written to the store behind the engine's back, so nothing is published: as when a stream loses updates
        // without anybody noticing. A newer state of a run the subscriber follows, and a run it has never heard of.
        var changed = (await fixture.Store.LoadAsync(delayed.Id))!.ToState();
        changed.Version++;
        changed.MetadataJson = """{"unpublished":true}""";
        await fixture.Store.SaveAsync(RunRow.From(changed));
        var unheard = (await fixture.Store.LoadAsync(delayed.Id))!.ToState();
        unheard.Id = RunIds.NewRunId(DateTimeOffset.UtcNow);
        unheard.Version = 1;
        unheard.CreatedAt = DateTimeOffset.UtcNow;
        unheard.Status = RunStatus.Canceled;
        unheard.FinishedAt = DateTimeOffset.UtcNow;
        Assert.True(await fixture.Store.TryInsertAsync(RunRow.From(unheard)));

        var seen = new List<TaskRun>();
        while (!(seen.Any(r => r.Id == delayed.Id && r.Version == changed.Version) && seen.Any(r => r.Id == unheard.Id)))
        {
            Assert.True(await subscription.MoveNextAsync().AsTask().Within(s_timeout, "the states the stream never carried"));
            seen.Add(subscription.Current);
        }

        Assert.True(seen.Single(r => r.Id == delayed.Id).GetMetadata<bool>("unpublished"));
        Assert.Equal(RunStatus.Canceled, seen.Single(r => r.Id == unheard.Id).Status);
    }

    [Fact]
    public async Task SubscribeToBatch_YieldsEveryRunOfTheBatchUntilEachIsFinal()
    {
        var batch = await _tasks.For<EchoTask>().BatchTriggerAsync([new EchoPayload(1, "a"), new EchoPayload(1, "b"), new EchoPayload(1, "c")]);
        using var stop = new CancellationTokenSource();
        var latest = new Dictionary<string, TaskRun>();

        await foreach (var run in _tasks.Runs.SubscribeToBatchAsync(batch.BatchId, stop.Token).Within(s_timeout, "the batch"))
        {
            Assert.Equal(batch.BatchId, run.BatchId);
            if (latest.TryGetValue(run.Id, out var earlier))
            {
                Assert.True(run.Version > earlier.Version);
            }

            latest[run.Id] = run;
            if (latest.Count == 3 && latest.Values.All(r => r.Status.IsFinal()))
            {
                break;
            }
        }

        Assert.Equal(batch.Runs.Select(r => r.Id).Order(), latest.Keys.Order());
        Assert.All(latest.Values, r => Assert.Equal(RunStatus.Completed, r.Status));
    }

    [Fact]
    public void Subscribe_WithBadArguments_FailsAtTheCall()
    {
        Assert.Throws<InvalidRequestException>(() => _tasks.Runs.SubscribeToRunsWithTagAsync([]));
        Assert.Throws<InvalidRequestException>(() => _tasks.Runs.SubscribeToRunsWithTagAsync(Enumerable.Range(0, 11).Select(i => $"t{i}").ToList()));
        Assert.Throws<InvalidRequestException>(() => _tasks.Runs.SubscribeToRunsWithTagAsync(new string('x', 129)));
        Assert.Throws<InvalidRequestException>(() => _tasks.Runs.SubscribeToRunAsync(" "));
        Assert.Throws<InvalidRequestException>(() => _tasks.Runs.SubscribeToBatchAsync(""));
    }

    private static void AssertInOrder(IReadOnlyList<TaskRun> states)
    {
        for (var i = 1; i < states.Count; i++)
        {
            Assert.True(states[i].Version > states[i - 1].Version, $"state {i} has version {states[i].Version} after {states[i - 1].Version}");
            Assert.False(states[i - 1].Status.IsFinal(), $"state {i - 1} was final ({states[i - 1].Status}) and yet more followed");
        }
    }

    private async Task<IList<StreamSubscriptionHandle<RunUpdateBatch>>> StreamHandlesAsync(string runId)
    {
        var topic = RealtimeTopic.ForRun(runId);
        var provider = fixture.Cluster.Client.ServiceProvider.GetRequiredKeyedService<IStreamProvider>(RealtimeTopic.ProviderName);
        return await provider.GetStream<RunUpdateBatch>(StreamId.Create(topic.Namespace, topic.Key)).GetAllSubscriptionHandles();
    }

    private Task<bool> Watched(string runId) =>
        fixture.Grains.GetGrain<IRealtimeInterestGrain>(0).FollowsAsync(RealtimeTopic.ForRun(runId));
}
