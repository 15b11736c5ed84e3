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
        var story = await tasks.For<WriteStoryTask>().TriggerAsync(new StoryPayload(TimeSpan.FromMilliseconds(150)), cancellationToken: stoppingToken);
        LogTriggered(hello.Id, flaky.Id, slow.Id, story.Id);

        await Task.WhenAll(
            ReportAsync(hello, stoppingToken),
            ReportAsync(flaky, stoppingToken),
            ReportAsync(slow, stoppingToken),
            FollowAsync(story, stoppingToken),
            ShowScheduleAsync(stoppingToken));
    }

    /// <summary>The hourly digest's declarative schedule, once the silo has put it in step with the code.</summary>
    private async Task ShowScheduleAsync(CancellationToken cancellationToken)
    {
        for (var tries = 0; tries < 30; tries++)
        {
            var page = await tasks.Schedules.ListAsync(taskId: "hourly-digest", cancellationToken: cancellationToken);
            if (page.Data is [var schedule, ..])
            {
                LogSchedule(schedule.Task, schedule.Id, schedule.Generator.Description, schedule.Timezone, schedule.NextRunEffectiveAt);
                return;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }

    /// <summary>Follows the story live: its progress from the run's metadata, its words from its stream as they come.</summary>
    private async Task FollowAsync(RunHandle handle, CancellationToken cancellationToken)
    {
        var text = new List<string>();
        await foreach (var item in tasks.Runs.SubscribeToRunWithStreamsAsync(handle.Id, cancellationToken: cancellationToken))
        {
            switch (item)
            {
                case RunUpdated { Run: var run }:
                    LogStoryProgress(run.Status.ToWireName(), run.GetMetadata<double>("progress"));
                    break;
                case StreamChunkArrived chunk:
                    text.Add(chunk.Read<string>()!);
                    break;
            }
        }

        LogStory(string.Concat(text));
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

    [LoggerMessage(Level = LogLevel.Information, Message = "{Task} runs on its declarative schedule {ScheduleId}: {Description} ({Timezone}); next run starts at {Next:u}.")]
    private partial void LogSchedule(string task, string scheduleId, string description, string timezone, DateTimeOffset? next);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sample runs triggered: hello-world {Hello}, fails-twice {Flaky}, one-minute {Slow}, write-story {Story}.")]
    private partial void LogTriggered(string hello, string flaky, string slow, string story);

    [LoggerMessage(Level = LogLevel.Information, Message = "write-story (followed live): {Status}, progress {Progress:P0}")]
    private partial void LogStoryProgress(string status, double progress);

    [LoggerMessage(Level = LogLevel.Information, Message = "write-story (followed live) wrote: {Story}")]
    private partial void LogStory(string story);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sample {TaskId} run {RunId} ended {Status} after {Attempts} attempt(s): {Result}")]
    private partial void LogFinished(string taskId, string runId, string status, int attempts, string result);
}
