using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Lifecycle;

/// <summary>Each <c>CatchErrorAsync</c> outcome, <c>Retry.OnThrowAsync</c>, and the error reaching the client.</summary>
[Collection(LifecycleCollection.Name)]
public sealed class ErrorHandlingTests(LifecycleFixture fixture)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly ITaskClient _tasks = fixture.Tasks;

    [Fact]
    public async Task CatchError_AsPlanned_RetriesByPolicy_ErrorTypeMessageAndStackReachTheClient()
    {
        var run = await RunAsync("as-planned");

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal(3, run.Attempts.Count);
        Assert.Equal(typeof(InvalidOperationException).FullName, run.Error!.Type);
        Assert.Equal("attempt 3 failed", run.Error.Message);
        Assert.Contains(nameof(HookedTask), run.Error.StackTrace, StringComparison.Ordinal);
        Assert.Equal("attempt 1 failed", run.Attempts[0].Error!.Message);
    }

    [Fact]
    public async Task CatchError_SkipRetry_EndsAfterOneAttempt()
    {
        var run = await RunAsync("skip");

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Single(run.Attempts);
        Assert.Equal("attempt 1 failed", run.Error!.Message);
    }

    [Theory]
    [InlineData("retry-after")]
    [InlineData("retry-at")]
    public async Task CatchError_RetryLater_NextAttemptWaitsForIt_MaxAttemptsStillHolds(string decision)
    {
        var run = await RunAsync(decision);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal(3, run.Attempts.Count);
        for (var next = 1; next < run.Attempts.Count; next++)
        {
            // The policy says 10 ms; the hook said about 1.5 s.
            var gap = run.Attempts[next].StartedAt - run.Attempts[next - 1].EndedAt!.Value;
            Assert.True(gap >= TimeSpan.FromSeconds(1.3), $"attempt {next + 1} started {gap} after the failure; CatchErrorAsync asked for 1.5 s");
        }
    }

    [Fact]
    public async Task CatchError_Replace_RecordsTheReplacementError()
    {
        var run = await RunAsync("replace");

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal(3, run.Attempts.Count);
        Assert.Equal(typeof(TimeoutException).FullName, run.Error!.Type);
        Assert.Equal("replaced in attempt 3", run.Error.Message);
    }

    [Fact]
    public async Task RetryOnThrow_BlockFailsThenSucceeds_RunCompletesInOneAttempt()
    {
        var handle = await _tasks.For<RetryBlockTask>().TriggerAsync(new RetryBlockPayload(Failures: 2, MaxTries: 3));

        var run = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the run");

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Single(run.Attempts);
        Assert.Equal("\"ok on try 3\"", run.OutputJson);
    }

    [Fact]
    public async Task RetryOnThrow_BlockFailsEveryTry_AttemptFailsWithTheLastError()
    {
        var handle = await _tasks.For<RetryBlockTask>().TriggerAsync(new RetryBlockPayload(Failures: 5, MaxTries: 3));

        var run = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the run");

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal("try 3 failed", run.Error!.Message);
    }

    [Fact]
    public async Task RetryOnThrow_BadOptions_Throws()
    {
        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => OrleansTasks.Retry.OnThrowAsync(_ => Task.FromResult(1), new RetryOptions { MaxAttempts = 0 }));

        Assert.Equal("options", error.Parameter);
        Assert.Contains("Retry.MaxAttempts", error.Message, StringComparison.Ordinal);
    }

    private async Task<TaskRun> RunAsync(string catchError)
    {
        var handle = await _tasks.For<HookedTask>().TriggerAsync(new HookPayload("fail", catchError));
        return await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, $"the run ({catchError})");
    }
}
