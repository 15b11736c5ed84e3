using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansTasks;

namespace OrleansTasks.Silo.SampleTasks;

/// <summary>
/// When <c>Samples:TriggerOnStart</c> is true, triggers each sample once the silo is up and logs how each run ends,
/// so a first start shows runs queue, execute, fail, retry and finish.
/// </summary>
internal sealed partial class SampleRunsOnStart(
    ITaskClient tasks,
    IConfiguration configuration,
    IHostApplicationLifetime lifetime,
    ILogger<SampleRunsOnStart> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!configuration.GetValue("Samples:TriggerOnStart", false))
        {
            return;
        }

        await WhenStartedAsync(stoppingToken);
        var hello = await tasks.For<HelloWorldTask>().TriggerAsync(new HelloPayload("world"), cancellationToken: stoppingToken);
        var flaky = await tasks.For<FailsTwiceTask>().TriggerAsync(new FailsTwicePayload(), cancellationToken: stoppingToken);
        var slow = await tasks.For<OneMinuteTask>().TriggerAsync(new OneMinutePayload(), cancellationToken: stoppingToken);
        LogTriggered(hello.Id, flaky.Id, slow.Id);

        await Task.WhenAll(
            ReportAsync(hello, stoppingToken),
            ReportAsync(flaky, stoppingToken),
            ReportAsync(slow, stoppingToken));
    }

    private async Task ReportAsync(RunHandle handle, CancellationToken cancellationToken)
    {
        var run = await tasks.Runs.PollAsync(handle.Id, cancellationToken);
        LogFinished(run.TaskId, run.Id, run.Status.ToWireName(), run.Attempts.Count, run.OutputJson ?? run.Error?.Message ?? "");
    }

    private Task WhenStartedAsync(CancellationToken cancellationToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lifetime.ApplicationStarted.Register(started.SetResult);
        return started.Task.WaitAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sample runs triggered: hello-world {Hello}, fails-twice {Flaky}, one-minute {Slow}.")]
    private partial void LogTriggered(string hello, string flaky, string slow);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sample {TaskId} run {RunId} ended {Status} after {Attempts} attempt(s): {Result}")]
    private partial void LogFinished(string taskId, string runId, string status, int attempts, string result);
}
