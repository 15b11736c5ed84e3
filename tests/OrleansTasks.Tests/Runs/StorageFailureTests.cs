using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Runs;

/// <summary>A database failure reaches a client as <see cref="StorageException"/>, saying whether a retry may help; the client retries those that may.</summary>
[Collection(ClusterCollection.Name)]
public sealed class StorageFailureTests(ClusterFixture fixture)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly ITaskClient _tasks = fixture.Tasks;

    [Fact]
    public async Task APermanentFailure_IsAStorageException_NotTheProvidersException_AndNoRunIsMade()
    {
        var error = await Assert.ThrowsAsync<StorageException>(() => _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(1, FaultyRunStore.Permanent)));

        Assert.False(error.IsTransient);
        Assert.Equal(OrleansTasksErrorCodes.Storage, error.Code);
        Assert.StartsWith("Npgsql.NpgsqlException: ", error.ProviderError, StringComparison.Ordinal);
        Assert.IsAssignableFrom<OrleansTasksException>(error);
    }

    [Fact]
    public async Task ATransientFailure_IsRetriedByTheClient_AndTheTriggerLands()
    {
        var handle = await _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(1, FaultyRunStore.TwiceTransient));

        var run = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the run");
        Assert.Equal(RunStatus.Completed, run.Status);
    }
}
