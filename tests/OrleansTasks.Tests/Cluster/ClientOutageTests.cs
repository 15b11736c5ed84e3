using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Cluster;

/// <summary>
/// A client whose silos are all gone, or not started yet: its process starts anyway, its calls wait for a silo within the
/// configured bound and then give up with an OrleansTasksException.
/// </summary>
[Trait("Category", "Slow")]
[Trait("Category", "Postgres")]
public sealed class ClientOutageTests
{
    [Fact]
    public async Task EverySiloDown_TriggerAndRetrieve_ThrowClusterUnavailableAfterTheBound()
    {
        await using var cluster = await PostgresCluster.StartAsync(silos: 1);
        await using var client = await PostgresClusterClient.ConnectAsync(cluster.Database.ConnectionString, cluster.ServiceId,
            o => o.RetryTransientFailuresFor = TimeSpan.FromSeconds(3));
        var handle = await client.Tasks.For<EchoTask>().TriggerAsync(new EchoPayload(1));
        Assert.Equal(RunStatus.Completed, (await client.Tasks.Runs.PollAsync(handle.Id).Within(TimeSpan.FromSeconds(30), "the run")).Status);

        cluster.Silos[0].Kill();

        var trigger = await Assert.ThrowsAsync<ClusterUnavailableException>(
            () => client.Tasks.For<EchoTask>().TriggerAsync(new EchoPayload(2)).Within(TimeSpan.FromSeconds(60), "the trigger to give up"));
        var retrieve = await Assert.ThrowsAsync<ClusterUnavailableException>(
            () => client.Tasks.Runs.RetrieveAsync(handle.Id).Within(TimeSpan.FromSeconds(60), "the read to give up"));
        Assert.IsAssignableFrom<OrleansTasksException>(trigger);
        Assert.True(trigger.TriedFor >= TimeSpan.FromSeconds(2), $"gave up after {trigger.TriedFor}");
        Assert.NotNull(retrieve.InnerException);
    }

    [Fact]
    public async Task NoSiloYet_ClientStartsAtOnce_CallsWaitForTheFirstSilo()
    {
        await using var cluster = await PostgresCluster.StartAsync(silos: 0)
            .Within(TimeSpan.FromSeconds(60), "a client to start with no silo (Orleans' own start waits minutes for a gateway)");
        await using var impatient = await PostgresClusterClient.ConnectAsync(cluster.Database.ConnectionString, cluster.ServiceId,
            o => o.RetryTransientFailuresFor = TimeSpan.FromSeconds(2), waitForSilo: false);

        var refused = await Assert.ThrowsAsync<ClusterUnavailableException>(
            () => impatient.Tasks.For<EchoTask>().TriggerAsync(new EchoPayload(1)).Within(TimeSpan.FromSeconds(60), "the trigger to give up"));
        // The whole bound, give or take a timer tick.
        Assert.True(refused.TriedFor >= TimeSpan.FromSeconds(1.9), $"gave up after {refused.TriedFor}");
        Assert.NotNull(refused.InnerException);

        // A patient call made before any silo exists completes once one comes; so does a subscription opened then.
        var tag = "early-" + Guid.NewGuid().ToString("N")[..8];
        var subscription = Task.Run(async () =>
        {
            await foreach (var seen in cluster.Tasks.Runs.SubscribeToRunsWithTagAsync(tag))
            {
                if (seen.Status.IsFinal())
                {
                    return seen;
                }
            }

            return null;
        });
        var trigger = cluster.Tasks.For<EchoTask>().TriggerAsync(new EchoPayload(2), new TriggerOptions { Tags = [tag] });
        Assert.False(trigger.IsCompleted);
        await cluster.StartSiloAsync();
        var handle = await trigger.Within(TimeSpan.FromSeconds(90), "the waiting trigger once a silo started");
        var run = await cluster.Tasks.Runs.PollAsync(handle.Id).Within(TimeSpan.FromSeconds(60), "the run");
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(2, run.GetOutput<EchoOutput>()!.Value);
        var followed = await subscription.Within(TimeSpan.FromSeconds(60), "the subscription opened before any silo to see the run end");
        Assert.Equal((handle.Id, RunStatus.Completed), (followed?.Id, followed?.Status));
    }
}
