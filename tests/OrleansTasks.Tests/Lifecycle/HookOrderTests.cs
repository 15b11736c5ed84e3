using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Lifecycle;

/// <summary>
/// The exact order of middleware and hooks (global ones, "g.", registered on the test silos) for each way a run can
/// go. Entries end in "#attempt".
/// </summary>
[Collection(LifecycleCollection.Name)]
public sealed class HookOrderTests(LifecycleFixture fixture)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly ITaskClient _tasks = fixture.Tasks;

    [Fact]
    public async Task Success_RunsEveryHookInTriggerDevsOrder()
    {
        var run = await RunAsync(new HookPayload("succeed"));

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(
            [
                "g.middleware>#1", "middleware>#1", "init#1", "g.onStart#1", "onStart#1", "run(init-of-1,acme)#1",
                "g.onSuccess#1", "onSuccess(done)#1", "g.onComplete#1", "onComplete(True)#1", "cleanup#1", "middleware<#1", "g.middleware<#1",
            ],
            HookLog.Of(run.Id));

        // The attempt keeps the hooks it called (across every hook class), timed, for the run's timeline.
        Assert.Equal(["InitAsync", "OnStartAsync", "OnSuccessAsync", "OnCompleteAsync", "CleanupAsync"], HookNames(run, attempt: 1));
        var hooks = run.Attempts[0].Hooks!;
        Assert.All(hooks, h => Assert.False(h.Failed));
        Assert.All(hooks, h => Assert.True(h.StartedAt >= run.Attempts[0].StartedAt, $"{h.Name} began before its attempt"));
        Assert.Equal(hooks.OrderBy(h => h.StartedAt), hooks);
    }

    [Fact]
    public async Task FailureWithRetries_CatchErrorEachAttempt_FailureHooksOnlyAfterTheLast()
    {
        var run = await RunAsync(new HookPayload("fail"));

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Equal(3, run.Attempts.Count);
        Assert.Equal(
            [
                "g.middleware>#1", "middleware>#1", "init#1", "g.onStart#1", "onStart#1", "run(init-of-1,acme)#1",
                "catchError(True)#1", "g.catchError#1", "cleanup#1", "middleware<#1", "g.middleware<#1",
                "g.middleware>#2", "middleware>#2", "init#2", "run(init-of-2,acme)#2",
                "catchError(True)#2", "g.catchError#2", "cleanup#2", "middleware<#2", "g.middleware<#2",
                "g.middleware>#3", "middleware>#3", "init#3", "run(init-of-3,acme)#3",
                "catchError(False)#3", "g.catchError#3", "g.onFailure(FAILED)#3", "onFailure(FAILED)#3", "g.onComplete#3", "onComplete(False)#3",
                "cleanup#3", "middleware<#3", "g.middleware<#3",
            ],
            HookLog.Of(run.Id));
        Assert.Equal(["InitAsync", "OnStartAsync", "CatchErrorAsync", "CleanupAsync"], HookNames(run, attempt: 1));
        Assert.Equal(["InitAsync", "CatchErrorAsync", "CleanupAsync"], HookNames(run, attempt: 2));
        Assert.Equal(["InitAsync", "CatchErrorAsync", "OnFailureAsync", "OnCompleteAsync", "CleanupAsync"], HookNames(run, attempt: 3));
    }

    [Fact]
    public async Task Abort_SkipsCatchErrorAndRetries_RunsFailureHooks()
    {
        var run = await RunAsync(new HookPayload("abort"));

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Single(run.Attempts);
        Assert.Equal(TaskRunErrorCodes.Aborted, run.Error!.Code);
        Assert.Equal(
            [
                "g.middleware>#1", "middleware>#1", "init#1", "g.onStart#1", "onStart#1", "run(init-of-1,acme)#1",
                "g.onFailure(FAILED)#1", "onFailure(FAILED)#1", "g.onComplete#1", "onComplete(False)#1", "cleanup#1", "middleware<#1", "g.middleware<#1",
            ],
            HookLog.Of(run.Id));
    }

    [Fact]
    public async Task Timeout_RunsFailureHooksWithTimedOut()
    {
        var run = await RunAsync(new HookPayload("stubborn"), new TriggerOptions { MaxDuration = TimeSpan.FromSeconds(5) });

        Assert.Equal(RunStatus.TimedOut, run.Status);
        Assert.Equal(
            [
                "g.middleware>#1", "middleware>#1", "init#1", "g.onStart#1", "onStart#1", "run(init-of-1,acme)#1",
                "g.onFailure(TIMED_OUT)#1", "onFailure(TIMED_OUT)#1", "g.onComplete#1", "onComplete(False)#1", "cleanup#1", "middleware<#1", "g.middleware<#1",
            ],
            HookLog.Of(run.Id));
    }

    [Fact]
    public async Task CancelWhileExecuting_RunsOnCancelThenFailureHooksWithCanceled()
    {
        var key = Guid.NewGuid().ToString();
        var handle = await _tasks.For<HookedTask>().TriggerAsync(new HookPayload("sleep", Key: key));
        await Probe.WhenStarted(key).Within(s_timeout, "the attempt to start");

        await _tasks.Runs.CancelAsync(handle.Id);

        string[] expected =
        [
            "g.middleware>#1", "middleware>#1", "init#1", "g.onStart#1", "onStart#1", "run(init-of-1,acme)#1",
            "g.onCancel#1", "onCancel#1", "g.onFailure(CANCELED)#1", "onFailure(CANCELED)#1", "g.onComplete#1", "onComplete(False)#1",
            "cleanup#1", "middleware<#1", "g.middleware<#1",
        ];
        await Eventually.Poll(() => Task.FromResult(string.Join(", ", HookLog.Of(handle.Id))), l => l.Split(", ").Length >= expected.Length, s_timeout, "the hooks to run");
        Assert.Equal(expected, HookLog.Of(handle.Id));
        Assert.Equal(RunStatus.Canceled, (await _tasks.Runs.RetrieveAsync(handle.Id)).Status);
    }

    [Fact]
    public async Task CancelWhileExecuting_ManyRunsStoppingAtOnceOrLate_EachFinalHookRunsOnce()
    {
        var runs = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            var key = Guid.NewGuid().ToString();
            var handle = await _tasks.For<HookedTask>().TriggerAsync(new HookPayload(i % 2 == 0 ? "sleep" : "late", Key: key));
            await Probe.WhenStarted(key).Within(s_timeout, "the attempt to start");
            return handle.Id;
        }));

        await Task.WhenAll(runs.Select(id => _tasks.Runs.CancelAsync(id)));

        foreach (var id in runs)
        {
            // The execution's own pass ends with the outer middleware; a second pass would have been started earlier.
            await Eventually.Poll(() => Task.FromResult(HookLog.Of(id)), l => l.Contains("g.middleware<#1"), s_timeout, $"run {id} to stop");
            var log = HookLog.Of(id);
            Assert.Equal(RunStatus.Canceled, (await _tasks.Runs.RetrieveAsync(id)).Status);
            Assert.Equal(1, log.Count(e => e == "onCancel#1"));
            Assert.Equal(1, log.Count(e => e == "g.onFailure(CANCELED)#1"));
            Assert.Equal(1, log.Count(e => e == "onFailure(CANCELED)#1"));
            Assert.Equal(1, log.Count(e => e == "onComplete(False)#1"));
            Assert.DoesNotContain(log, e => e.StartsWith("onFailure", StringComparison.Ordinal) && !e.EndsWith("#1", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task CancelWhileDelayed_StillRunsFailureHooksWithCanceled()
    {
        var handle = await _tasks.For<HookedTask>().TriggerAsync(new HookPayload("succeed"), new TriggerOptions { Delay = TimeSpan.FromMinutes(10) });

        await _tasks.Runs.CancelAsync(handle.Id);

        string[] expected =
        [
            "g.middleware>#0", "middleware>#0", "g.onFailure(CANCELED)#0", "onFailure(CANCELED)#0", "g.onComplete#0", "onComplete(False)#0",
            "middleware<#0", "g.middleware<#0",
        ];
        await Eventually.Poll(() => Task.FromResult(string.Join(", ", HookLog.Of(handle.Id))), l => l.Split(", ").Length >= expected.Length, s_timeout, "the failure hooks to run");
        Assert.Equal(expected, HookLog.Of(handle.Id));
    }

    [Fact]
    public async Task LongWait_OnWaitThenResumeInTheReplay_StartHookNotRepeated()
    {
        var run = await RunAsync(new HookPayload("long-wait"));

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(
            [
                "g.middleware>#1", "middleware>#1", "init#1", "g.onStart#1", "onStart#1", "run(init-of-1,acme)#1",
                "g.onWait#1", "onWait(Duration)#1", "cleanup#1", "middleware<#1", "g.middleware<#1",

                // The replay after the wait: middleware and init again, no onStart, then the resume where the code passes the wait.
                "g.middleware>#1", "middleware>#1", "init#1", "run(init-of-1,acme)#1",
                "g.onResume#1", "onResume(Duration)#1", "after-wait#1",
                "g.onSuccess#1", "onSuccess(done)#1", "g.onComplete#1", "onComplete(True)#1", "cleanup#1", "middleware<#1", "g.middleware<#1",
            ],
            HookLog.Of(run.Id));

        // Both executions' hooks, on the one attempt.
        Assert.Equal(
            ["InitAsync", "OnStartAsync", "OnWaitAsync", "CleanupAsync", "InitAsync", "OnResumeAsync", "OnSuccessAsync", "OnCompleteAsync", "CleanupAsync"],
            HookNames(run, attempt: 1));
    }

    [Fact]
    public async Task ShortWait_OnWaitAndOnResumeAroundItInOneExecution()
    {
        var run = await RunAsync(new HookPayload("short-wait"));

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(
            [
                "g.middleware>#1", "middleware>#1", "init#1", "g.onStart#1", "onStart#1", "run(init-of-1,acme)#1",
                "g.onWait#1", "onWait(Duration)#1", "g.onResume#1", "onResume(Duration)#1", "after-wait#1",
                "g.onSuccess#1", "onSuccess(done)#1", "g.onComplete#1", "onComplete(True)#1", "cleanup#1", "middleware<#1", "g.middleware<#1",
            ],
            HookLog.Of(run.Id));
    }

    private static IEnumerable<string> HookNames(TaskRun run, int attempt) =>
        run.Attempts.Single(a => a.Number == attempt).Hooks?.Select(h => h.Name) ?? [];

    private async Task<TaskRun> RunAsync(HookPayload payload, TriggerOptions? options = null)
    {
        var handle = await _tasks.For<HookedTask>().TriggerAsync(payload, options);
        return await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, $"the {payload.Mode} run");
    }
}
