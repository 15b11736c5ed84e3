using Microsoft.Extensions.DependencyInjection;
using OrleansTasks.Logs;
using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;
using static OrleansTasks.Tests.Logs.RunLogStoreContract;

namespace OrleansTasks.Tests.Logs;

/// <summary><c>Runs.GetLogsAsync</c> through a cluster. Runs sit in a paused queue, so no task code writes lines of its own.</summary>
[Collection(ClusterCollection.Name)]
public sealed class RunLogQueryTests(ClusterFixture fixture)
{
    private readonly ITaskClient _tasks = fixture.Tasks;

    [Fact]
    public async Task GetLogsAsync_UnknownRun_ThrowsRunNotFound()
    {
        var runId = NewRunId();

        var error = await Assert.ThrowsAsync<RunNotFoundException>(() => _tasks.Runs.GetLogsAsync(runId, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(runId, error.RunId);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(10_001)]
    public async Task GetLogsAsync_LimitOutOfRange_ThrowsArgumentOutOfRange(int limit)
    {
        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => _tasks.Runs.GetLogsAsync(NewRunId(), limit, TestContext.Current.CancellationToken));

        Assert.Equal("limit", error.Parameter);
    }

    [Fact]
    public async Task GetLogsAsync_RunWithoutEntries_Empty()
    {
        var run = await _tasks.For<PausedTask>().TriggerAsync(new EmptyPayload(), cancellationToken: TestContext.Current.CancellationToken);

        Assert.Empty(await _tasks.Runs.GetLogsAsync(run.Id, cancellationToken: TestContext.Current.CancellationToken));
        await _tasks.Runs.CancelAsync(run.Id, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task GetLogsAsync_EntriesJustAppendedOnTheSilo_ReturnedInTheOrderWritten()
    {
        var run = await _tasks.For<PausedTask>().TriggerAsync(new EmptyPayload(), cancellationToken: TestContext.Current.CancellationToken);
        var writer = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<RunLogWriter>();
        var entries = Enumerable.Range(0, 5).Select(i => Entry(run.Id, 1, $"0:{4 - i}")).ToList();

        // Not waited for: the query flushes the silo's writer before it reads.
        foreach (var entry in entries)
        {
            writer.Append(entry);
        }

        var all = await _tasks.Runs.GetLogsAsync(run.Id, cancellationToken: TestContext.Current.CancellationToken);
        var firstTwo = await _tasks.Runs.GetLogsAsync(run.Id, 2, TestContext.Current.CancellationToken);

        AssertEntries(entries, all);
        AssertEntries(entries.Take(2).ToList(), firstTwo);
        await _tasks.Runs.CancelAsync(run.Id, TestContext.Current.CancellationToken);
    }
}
