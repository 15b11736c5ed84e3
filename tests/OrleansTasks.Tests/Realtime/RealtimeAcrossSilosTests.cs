using OrleansTasks.Realtime;
using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Realtime;

/// <summary>
/// Realtime subscriptions across real silo processes, from an external client: runs are written on other processes
/// than the one that reads them, and a silo dies under a subscription.
/// </summary>
[Trait("Category", "Slow")]
[Trait("Category", "Postgres")]
public sealed class RealtimeAcrossSilosTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task SiloHostingTheRunDies_SubscribersOfTheRunAndItsTagGoOn_InOrder_AndSeeTheFinalState()
    {
        await using var cluster = await PostgresCluster.StartAsync(silos: 2);
        await using var client = await PostgresClusterClient.ConnectAsync(cluster.Database.ConnectionString, cluster.ServiceId, o => o.RealtimeHeartbeat = TimeSpan.FromSeconds(1));
        var tag = "rt-" + Guid.NewGuid().ToString("N")[..12];
        var handle = await client.Tasks.For<ProgressTask>().TriggerAsync(
            new ProgressPayload("kill", Steps: 6, Wait: TimeSpan.FromSeconds(1)), new TriggerOptions { Tags = [tag] });

        var byRun = new List<TaskRun>();
        var byTag = new List<TaskRun>();
        var secondStep = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var runSubscriber = Task.Run(async () =>
        {
            await foreach (var run in client.Tasks.Runs.SubscribeToRunAsync(handle.Id))
            {
                byRun.Add(run);
                if (run.GetMetadata<int>("progress") >= 2)
                {
                    secondStep.TrySetResult();
                }
            }
        });
        var tagSubscriber = Task.Run(async () =>
        {
            await foreach (var run in client.Tasks.Runs.SubscribeToRunsWithTagAsync(tag))
            {
                byTag.Add(run);
                if (run.Id == handle.Id && run.Status.IsFinal())
                {
                    break;
                }
            }
        });

        await secondStep.Task.Within(s_timeout, $"the run's second step{Environment.NewLine}{cluster.Output}");
        var executing = await client.Tasks.Runs.RetrieveAsync(handle.Id);
        cluster.Silos.Single(s => s.Is(executing.Attempts[^1].Silo)).Kill();

        await Task.WhenAll(runSubscriber, tagSubscriber).Within(s_timeout, $"both subscriptions to see the end{Environment.NewLine}{cluster.Output}");
        foreach (var seen in new[] { byRun, byTag })
        {
            Assert.Equal(RunStatus.Completed, seen[^1].Status);
            Assert.Equal(6, seen[^1].GetMetadata<int>("progress"));
            AssertInOrder(seen);
        }

        var final = await client.Tasks.Runs.RetrieveAsync(handle.Id);
        Assert.Equal(final.Version, byRun[^1].Version);
    }

    [Fact]
    public async Task SiloDiesWhileARunStreams_AReaderGetsEveryChunkOnceInOrder()
    {
        await using var cluster = await PostgresCluster.StartAsync(silos: 2);
        await using var client = await PostgresClusterClient.ConnectAsync(cluster.Database.ConnectionString, cluster.ServiceId, o => o.RealtimeHeartbeat = TimeSpan.FromSeconds(1));
        var handle = await client.Tasks.For<StreamingTask>().TriggerAsync(new StreamingPayload("kill", Chunks: 8, WaitAfter: 4, Wait: TimeSpan.FromSeconds(3)));
        var reader = client.Tasks.Runs.ReadStreamAsync<string>(handle.Id, "text").ToListAsync().AsTask();

        var waiting = await Eventually.Poll(
            () => client.Tasks.Runs.RetrieveAsync(handle.Id),
            r => r.Journal.Any(e => e is { Kind: "Wait", Completed: false }),
            s_timeout,
            "the run to wait after its fourth word");
        cluster.Silos.Single(s => s.Is(waiting.Attempts[^1].Silo)).Kill();

        var words = await reader.Within(s_timeout, $"the stream to end{Environment.NewLine}{cluster.Output}");
        var run = await client.Tasks.Runs.PollAsync(handle).Within(s_timeout, "the run");
        Assert.Equal(Enumerable.Range(1, 8).Select(i => $"w{i}"), words);
        Assert.Equal(string.Join(' ', words), run.Output);
    }

    [Fact]
    public async Task AcrossSilos_RunsOfABatchArriveInOrderToTheirEnd_ASlowReaderGetsTheNewest_AndACancelledOneLetsGo()
    {
        await using var cluster = await PostgresCluster.StartAsync(silos: 2);
        await using var client = await PostgresClusterClient.ConnectAsync(cluster.Database.ConnectionString, cluster.ServiceId, o => o.RealtimeHeartbeat = TimeSpan.FromSeconds(1));

        // Ordered to the end: a batch of runs spread over both silos, each with several changes.
        var batch = await client.Tasks.For<ProgressTask>().BatchTriggerAsync(
            Enumerable.Range(0, 6).Select(i => new ProgressPayload($"batch-{i}", Steps: 3, Burst: 5)));
        var latest = new Dictionary<string, TaskRun>();
        await foreach (var run in client.Tasks.Runs.SubscribeToBatchAsync(batch.BatchId).Within(s_timeout, $"the batch{Environment.NewLine}{cluster.Output}"))
        {
            if (latest.TryGetValue(run.Id, out var earlier))
            {
                Assert.True(run.Version > earlier.Version, $"{run.Id}: version {run.Version} after {earlier.Version}");
                Assert.False(earlier.Status.IsFinal(), $"{run.Id}: a state after the final one");
            }

            latest[run.Id] = run;
            if (latest.Count == 6 && latest.Values.All(r => r.Status.IsFinal()))
            {
                break;
            }
        }

        Assert.All(latest.Values, r => Assert.Equal(RunStatus.Completed, r.Status));
        Assert.All(latest.Values, r => Assert.Equal(5, r.GetMetadata<int>("burst")));

        // A slow reader: 1,500 changes are made while it does not read; it is handed the newest states, not the backlog.
        // (A client of its own with a long heartbeat, so the fast reader below learns the end from the stream, as the
        // slow one does, and not from a heartbeat's re-read.)
        await using var patient = await PostgresClusterClient.ConnectAsync(cluster.Database.ConnectionString, cluster.ServiceId, o => o.RealtimeHeartbeat = TimeSpan.FromMinutes(1));
        var go = await client.Tasks.Waitpoints.CreateTokenAsync();
        var slow = await client.Tasks.For<ProgressTask>().TriggerAsync(new ProgressPayload("slow", Steps: 1, Burst: 1500, BurstAfterToken: go.Id));
        await using (var subscription = patient.Tasks.Runs.SubscribeToRunAsync(slow.Id).GetAsyncEnumerator())
        {
            Assert.True(await subscription.MoveNextAsync().AsTask().Within(s_timeout, "the slow run's snapshot"));
            var first = subscription.Current;

            // A fast reader in the same process gets each item after the slow one (one shared stream subscription hands
            // items to its followers in order), so once it has the final state, the slow one has been offered it too.
            // The burst starts only once both are open.
            await using (var fast = patient.Tasks.Runs.SubscribeToRunAsync(slow.Id).GetAsyncEnumerator())
            {
                Assert.True(await fast.MoveNextAsync().AsTask().Within(s_timeout, "the fast reader's snapshot"));
                await client.Tasks.Waitpoints.CompleteTokenAsync(go.Id, true);
                while (await fast.MoveNextAsync().AsTask().Within(s_timeout, "the fast reader"))
                {
                }
            }

            var final = await client.Tasks.Runs.RetrieveAsync(slow);
            var afterwards = new List<TaskRun>();
            while (await subscription.MoveNextAsync().AsTask().Within(s_timeout, "the slow run's states"))
            {
                afterwards.Add(subscription.Current);
            }

            Assert.Equal(1500, final.Run.GetMetadata<int>("burst"));
            Assert.True(afterwards.Count <= RunFeed.MaxPending, $"{afterwards.Count} states handed over for 1,500 changes made while the reader did not read");
            Assert.Equal(final.Run.Version, afterwards[^1].Version);
            AssertInOrder([first, .. afterwards]);
        }

        // A cancelled reader lets go of its stream subscription and its lease.
        var held = await client.Tasks.For<ProgressTask>().TriggerAsync(new ProgressPayload("held", Steps: 1, Wait: TimeSpan.FromSeconds(30)));
        using (var stop = new CancellationTokenSource())
        {
            var reader = client.Tasks.Runs.SubscribeToRunAsync(held.Id, cancellationToken: stop.Token).GetAsyncEnumerator();
            Assert.True(await reader.MoveNextAsync().AsTask().Within(s_timeout, "the held run's snapshot"));
            Assert.True(await Follows(client, held.Id));
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reader.MoveNextAsync().AsTask());
            await reader.DisposeAsync();
        }

        Assert.False(await Follows(client, held.Id));
    }

    private static Task<bool> Follows(PostgresClusterClient client, string runId) =>
        client.Grains.GetGrain<IRealtimeInterestGrain>(0).FollowsAsync(RealtimeTopic.ForRun(runId));

    private static void AssertInOrder(IReadOnlyList<TaskRun> states)
    {
        foreach (var run in states.GroupBy(s => s.Id))
        {
            var list = run.ToList();
            for (var i = 1; i < list.Count; i++)
            {
                Assert.True(list[i].Version > list[i - 1].Version, $"{run.Key}: version {list[i].Version} after {list[i - 1].Version}");
                Assert.False(list[i - 1].Status.IsFinal(), $"{run.Key}: a state after the final one");
            }
        }
    }
}
