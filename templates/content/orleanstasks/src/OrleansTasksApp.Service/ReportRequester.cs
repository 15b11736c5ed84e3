using OrleansTasks;
using OrleansTasksApp.Tasks;

namespace OrleansTasksApp.Service;

/// <summary>Triggers one report run at start-up, waits for it to end, and logs the result.</summary>
internal sealed partial class ReportRequester(ITaskClient tasks, ILogger<ReportRequester> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var handle = await tasks.For<SendReportTask>().TriggerAsync(
            new ReportRequest("ada", ["revenue", "churn"], DeliverAfter: TimeSpan.FromSeconds(5)),
            new TriggerOptions { Tags = ["customer:ada"] },
            stoppingToken);
        LogTriggered(handle.Id);

        var run = await tasks.Runs.PollAsync(handle, stoppingToken);
        LogEnded(run.Id, run.Status.ToWireName(), run.Output?.Lines);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Triggered report run {RunId}")]
    private partial void LogTriggered(string runId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Report run {RunId} ended {Status} with {Lines} line(s)")]
    private partial void LogEnded(string runId, string status, int? lines);
}
