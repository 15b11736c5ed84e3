using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Cluster;

/// <summary>A client whose silos are all gone: its calls give up after the configured bound with an OrleansTasksException.</summary>
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
        var handle = await client.Tasks.TriggerAsync<EchoTask>(new EchoPayload(1));
        Assert.Equal(RunStatus.Completed, (await client.Tasks.Runs.PollAsync(handle.Id).Within(TimeSpan.FromSeconds(30), "the run")).Status);

        cluster.Silos[0].Kill();

        var trigger = await Assert.ThrowsAsync<ClusterUnavailableException>(
            () => client.Tasks.TriggerAsync<EchoTask>(new EchoPayload(2)).Within(TimeSpan.FromSeconds(60), "the trigger to give up"));
        var retrieve = await Assert.ThrowsAsync<ClusterUnavailableException>(
            () => client.Tasks.Runs.RetrieveAsync(handle.Id).Within(TimeSpan.FromSeconds(60), "the read to give up"));
        Assert.IsAssignableFrom<OrleansTasksException>(trigger);
        Assert.True(trigger.TriedFor >= TimeSpan.FromSeconds(2), $"gave up after {trigger.TriedFor}");
        Assert.NotNull(retrieve.InnerException);
    }
}
