using OrleansTasks.Runs;
using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Runs;

[Collection(ClusterCollection.Name)]
public sealed class TriggerTests(ClusterFixture fixture)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly ITaskClient _tasks = fixture.Tasks;

    [Fact]
    public async Task TriggerAsync_TypedByTaskClass_RunCompletesWithOutputAndContext()
    {
        var handle = await _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(42, "hi"), new TriggerOptions { Tags = ["user:7", "vip"] });

        var run = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the echo run");

        Assert.Equal("echo", handle.TaskId);
        Assert.StartsWith("run_", handle.Id, StringComparison.Ordinal);
        Assert.Equal(RunStatus.Completed, run.Status);
        var output = run.GetOutput<EchoOutput>()!;
        Assert.Equal(42, output.Value);
        Assert.Equal("hi", output.Text);
        Assert.Equal(handle.Id, output.RunId);
        Assert.Equal("echo", output.TaskId);
        Assert.Equal(1, output.Attempt);
        Assert.Equal(["user:7", "vip"], output.Tags);
        Assert.Equal("echo", output.Queue);
        Assert.Equal(["user:7", "vip"], run.Tags);
    }

    [Fact]
    public async Task RetrieveAsync_CompletedRun_HasStatusAttemptsTimestampsAndDuration()
    {
        var handle = await _tasks.TriggerAsync("echo", """{"value":1}""");
        await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the echo run");

        var run = await _tasks.Runs.RetrieveAsync(handle.Id);

        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.True(run.IsFinal && run.IsSuccess && !run.IsFailed);
        var attempt = Assert.Single(run.Attempts);
        Assert.Equal(1, attempt.Number);
        Assert.Equal(AttemptStatus.Completed, attempt.Status);
        Assert.NotNull(attempt.EndedAt);
        Assert.False(string.IsNullOrEmpty(attempt.Silo));
        Assert.NotNull(run.StartedAt);
        Assert.NotNull(run.FinishedAt);
        Assert.True(run.CreatedAt <= run.StartedAt && run.StartedAt <= run.FinishedAt);
        Assert.Equal(run.FinishedAt - run.StartedAt, run.Duration);
        Assert.Null(run.Error);
        Assert.Equal("""{"value":1}""", run.PayloadJson);
        Assert.Equal(1, run.GetPayload<EchoPayload>()!.Value);
        Assert.Equal(3, run.MaxAttempts);
        Assert.Equal(MachinePreset.Small1x, run.Machine);
    }

    [Fact]
    public async Task TriggerAsync_MachineOverride_IsRecordedOnRun()
    {
        var handle = await _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(1), new TriggerOptions { Machine = MachinePreset.Large2x });

        var run = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the echo run");

        Assert.Equal(MachinePreset.Large2x, run.Machine);
        Assert.Equal(MachinePreset.Large2x, run.GetOutput<EchoOutput>()!.Machine);
        Assert.Equal("large-2x", run.Machine.ToPresetName());
    }

    [Fact]
    public async Task TriggerAsync_UnknownTaskId_ThrowsAndCreatesNoRun()
    {
        var before = fixture.Store.Count;

        var error = await Assert.ThrowsAsync<UnknownTaskException>(() => _tasks.TriggerAsync("no-such-task", "{}"));

        Assert.Equal("no-such-task", error.TaskId);
        Assert.Contains("no-such-task", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, fixture.Store.Count);
    }

    [Fact]
    public async Task TriggerAsync_PayloadOver3MB_RefusedAtTheCall()
    {
        var before = fixture.Store.Count;
        var big = new EchoPayload(1, new string('x', TaskLimits.MaxPayloadBytes));

        var error = await Assert.ThrowsAsync<PayloadTooLargeException>(() => _tasks.For<EchoTask>().TriggerAsync(big));

        Assert.True(error.SizeBytes > TaskLimits.MaxPayloadBytes);
        Assert.Equal(TaskLimits.MaxPayloadBytes, error.LimitBytes);
        Assert.Equal(before, fixture.Store.Count);
    }

    [Fact]
    public async Task TriggerAsync_PayloadOver3MBSentToTheGrain_RefusedThereToo()
    {
        var json = "\"" + new string('x', TaskLimits.MaxPayloadBytes) + "\"";
        var request = new TriggerRequest { TaskId = "echo", PayloadJson = json };

        var error = await Assert.ThrowsAsync<PayloadTooLargeException>(() =>
            fixture.Grains.GetGrain<IRunGrain>(RunIds.NewRunId(DateTimeOffset.UtcNow)).TriggerAsync(request));

        Assert.Equal("echo", error.TaskId);
    }

    [Fact]
    public async Task TriggerAsync_PayloadNotJson_ThrowsInvalidTrigger()
    {
        var error = await Assert.ThrowsAsync<InvalidTriggerException>(() => _tasks.TriggerAsync("echo", "{not json"));

        Assert.Equal("echo", error.TaskId);
        Assert.Contains("not valid JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TriggerAsync_PayloadOfWrongShape_RunFailsWithoutRetrying()
    {
        var handle = await _tasks.TriggerAsync("echo", """{"value":"not a number"}""");

        var run = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the run with a bad payload");

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Single(run.Attempts);
        Assert.Equal(TaskRunErrorCodes.InvalidPayload, run.Error!.Code);
        Assert.Contains("EchoPayload", run.Error.Message, StringComparison.Ordinal);
        Assert.Contains("does not deserialize", run.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TriggerAsync_PayloadMissingRequiredValue_RunFailsWithoutRetrying()
    {
        var handle = await _tasks.TriggerAsync("echo", "{}");

        var run = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the run with a bad payload");

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Single(run.Attempts);
        Assert.Equal(TaskRunErrorCodes.InvalidPayload, run.Error!.Code);
    }

    [Fact]
    public async Task TriggerAsync_TypedWithNullForANonNullablePayload_IsRefusedBeforeSending()
    {
        var error = await Assert.ThrowsAsync<PayloadValidationException>(() => _tasks.For<EchoTask>().TriggerAsync(null!));

        Assert.Contains("non-nullable EchoPayload", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TriggerAsync_ByIdWithJsonNullForANonNullablePayload_FailsTheRunWithoutRetries()
    {
        var handle = await _tasks.TriggerAsync("echo", "null");

        var run = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the run with a null payload");

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.Single(run.Attempts);
        Assert.Equal(TaskRunErrorCodes.InvalidPayload, run.Error!.Code);
        Assert.Contains("is null", run.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TriggerAsync_NullForANullablePayload_Runs()
    {
        var typed = await _tasks.For<NullablePayloadTask>().TriggerAsync(null);
        var byId = await _tasks.TriggerAsync("nullable-payload", "null");

        var typedRun = await _tasks.Runs.PollAsync(typed).Within(s_timeout, "the typed run");
        var byIdRun = await _tasks.Runs.PollAsync(byId.Id).Within(s_timeout, "the run by id");

        Assert.Equal("none", typedRun.Output);
        Assert.Equal("none", byIdRun.GetOutput<string>());
    }

    [Fact]
    public async Task RescheduleAsync_NegativeOrTooLongDelay_IsRefusedLikeATriggersDelay()
    {
        var handle = await _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(1), new TriggerOptions { Delay = TimeSpan.FromHours(1) });

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => _tasks.Runs.RescheduleAsync(handle.Id, TimeSpan.FromSeconds(-30)));
        var tooFar = await Assert.ThrowsAsync<InvalidRequestException>(() => _tasks.Runs.RescheduleAsync(handle.Id, DateTimeOffset.UtcNow.AddDays(400)));
        var run = await _tasks.Runs.CancelAsync(handle.Id);

        Assert.Equal("delay", error.Parameter);
        Assert.Equal("delayUntil", tooFar.Parameter);
        Assert.Contains("365 days", tooFar.Message, StringComparison.Ordinal);
        Assert.Equal(RunStatus.Canceled, run.Status);
        Assert.Null(run.StartedAt);
    }

    public static TheoryData<TriggerOptions, string> InvalidOptions => new()
    {
        { new TriggerOptions { Tags = [.. Enumerable.Range(0, 11).Select(i => $"t{i}")] }, "at most 10 tags" },
        { new TriggerOptions { Tags = [new string('x', 129)] }, "1 to 128 characters" },
        { new TriggerOptions { Tags = [""] }, "1 to 128 characters" },
        { new TriggerOptions { MaxAttempts = 0 }, "MaxAttempts" },
        { new TriggerOptions { MaxDuration = TimeSpan.FromSeconds(1) }, "MaxDuration" },
        { new TriggerOptions { Machine = (MachinePreset)99 }, "machine preset" },
        { new TriggerOptions { Delay = TimeSpan.FromDays(400) }, "between 0 and 365 days" },
        { new TriggerOptions { Delay = TimeSpan.FromSeconds(-1) }, "between 0 and 365 days" },
        { new TriggerOptions { DelayUntil = DateTimeOffset.UtcNow.AddDays(400) }, "more than 365 days away" },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public async Task TriggerAsync_InvalidOption_ThrowsInvalidTriggerAndCreatesNoRun(TriggerOptions options, string expected)
    {
        var before = fixture.Store.Count;

        var error = await Assert.ThrowsAsync<InvalidTriggerException>(() => _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(1), options));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(before, fixture.Store.Count);
    }

    [Fact]
    public async Task TriggerAsync_SameRunIdTwice_ReturnsTheSameRun()
    {
        var runId = RunIds.NewRunId(DateTimeOffset.UtcNow);
        var grain = fixture.Grains.GetGrain<IRunGrain>(runId);
        var request = new TriggerRequest { TaskId = "echo", PayloadJson = """{"value":5}""" };

        var first = await grain.TriggerAsync(request);
        var second = await grain.TriggerAsync(request with { PayloadJson = """{"value":6}""" });
        var run = await _tasks.Runs.PollAsync(runId).Within(s_timeout, "the run");

        Assert.Equal(first, second);
        Assert.Equal(5, run.GetOutput<EchoOutput>()!.Value);
        Assert.Single(run.Attempts);
    }

    [Fact]
    public async Task RetrieveAsync_UnknownRun_ThrowsRunNotFound()
    {
        var error = await Assert.ThrowsAsync<RunNotFoundException>(() => _tasks.Runs.RetrieveAsync("run_doesnotexist"));

        Assert.Equal("run_doesnotexist", error.RunId);
    }
}
