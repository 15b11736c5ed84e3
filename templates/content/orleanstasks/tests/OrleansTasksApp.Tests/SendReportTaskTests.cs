using OrleansTasks;
using OrleansTasksApp.Tasks;

namespace OrleansTasksApp.Tests;

public sealed class SendReportTaskTests(TaskCluster cluster) : IClassFixture<TaskCluster>
{
    [Fact]
    public async Task SendReport_CompletesWithOneLinePerItem_AndRecordsItsStepAndWait()
    {
        var tasks = cluster.Tasks;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        var handle = await tasks.For<SendReportTask>().TriggerAsync(new ReportRequest("ada", ["revenue", "churn", "growth"]), cancellationToken: timeout.Token);
        var run = await tasks.Runs.PollAsync(handle, timeout.Token);

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(new ReportResult("ada", 3), run.Output);
        Assert.Equal(["Step", "Wait"], run.Run.Journal.Select(j => j.Kind));
    }
}
