using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Lifecycle;

/// <summary>What task code writes through <c>context.Logger</c>, read back with <c>Runs.GetLogsAsync</c>.</summary>
[Collection(LifecycleCollection.Name)]
public sealed class RunLogTests(LifecycleFixture fixture)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly ITaskClient _tasks = fixture.Tasks;

    [Fact]
    public async Task Logs_AcrossASuspendingWait_EachLineStoredOnceInOrder()
    {
        var handle = await _tasks.For<LoggingTask>().TriggerAsync(new LoggingPayload("widget"));
        var run = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the run");
        Assert.Equal(RunStatus.Completed, run.Status);

        var logs = await _tasks.Runs.GetLogsAsync(handle.Id);

        // The replay after the wait wrote "Starting…" again; it is stored once. The debug line is below the stored level.
        Assert.Equal(
            ["Starting widget on attempt 1", "Waiting (Duration)", "Resumed (Duration)", "Back after the wait", "An error with an exception"],
            logs.Select(l => l.Message));
        Assert.All(logs, l => Assert.Equal(1, l.Attempt));
        Assert.All(logs, l => Assert.Equal(handle.Id, l.RunId));
        Assert.Equal([RunLogLevel.Information, RunLogLevel.Information, RunLogLevel.Information, RunLogLevel.Warning, RunLogLevel.Error], logs.Select(l => l.Level));
        Assert.Equal("widget", logs[0].Properties["Item"]);
        Assert.Equal("1", logs[0].Properties["Attempt"]);
        Assert.Contains("boom", logs[4].Exception, StringComparison.Ordinal);
        Assert.Null(logs[0].Exception);
        Assert.True(logs.Zip(logs.Skip(1)).All(p => p.First.Timestamp <= p.Second.Timestamp));
    }

    [Fact]
    public async Task Logs_OfARetriedRun_CarryTheirAttempt()
    {
        var handle = await _tasks.For<LoggingTask>().TriggerAsync(new LoggingPayload("gadget", FailFirst: true));
        var run = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the run");
        Assert.Equal(RunStatus.Completed, run.Status);

        var logs = await _tasks.Runs.GetLogsAsync(handle.Id);

        // The first attempt's failure is stored with it, so the log tells why there was a second.
        var failure = logs[1];
        Assert.Equal(
            [(1, "Starting gadget on attempt 1"), (1, failure.Message), (2, "Starting gadget on attempt 2"), (2, "Waiting (Duration)"), (2, "Resumed (Duration)"), (2, "Back after the wait"), (2, "An error with an exception")],
            logs.Select(l => (l.Attempt, l.Message)));
        Assert.StartsWith("Attempt 1 failed: ", failure.Message, StringComparison.Ordinal);
        Assert.Equal(RunLogLevel.Error, failure.Level);
        Assert.Equal(run.Attempts[0].Error!.Type, failure.Properties["ErrorType"]);
        Assert.Contains(run.Attempts[0].Error!.Message, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logs_OfARunThatFailedEveryAttempt_HoldEachAttemptsError()
    {
        var handle = await _tasks.For<AlwaysFailsTask>().TriggerAsync(new EmptyPayload());
        var run = await _tasks.Runs.PollAsync(handle).Within(s_timeout, "the failing run");

        var logs = await _tasks.Runs.GetLogsAsync(handle.Id);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal([1, 2, 3], logs.Select(l => l.Attempt));
        Assert.All(logs, l => Assert.Equal(RunLogLevel.Error, l.Level));
        Assert.All(logs, l => Assert.Contains($"attempt {l.Attempt} failed on purpose", l.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Logs_HookThatThrows_IsLoggedToTheRun()
    {
        var handle = await _tasks.For<HookedTask>().TriggerAsync(new HookPayload("succeed", Key: "throw-in-on-success"));
        await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the run");

        var logs = await _tasks.Runs.GetLogsAsync(handle.Id);

        var entry = Assert.Single(logs, l => l.Level == RunLogLevel.Error);
        Assert.Contains("OnSuccessAsync", entry.Message, StringComparison.Ordinal);
        Assert.Contains("on purpose", entry.Exception, StringComparison.Ordinal);
        var run = await _tasks.Runs.RetrieveAsync(handle.Id);
        Assert.Equal(RunStatus.Completed, run.Status);

        // The run's timeline marks the hook that threw, and only it.
        var hooks = run.Attempts[0].Hooks!;
        Assert.True(Assert.Single(hooks, h => h.Name == "OnSuccessAsync").Failed);
        Assert.All(hooks.Where(h => h.Name != "OnSuccessAsync"), h => Assert.False(h.Failed, $"{h.Name} is marked failed"));
    }
}
