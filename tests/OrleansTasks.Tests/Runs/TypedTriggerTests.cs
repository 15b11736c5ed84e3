using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Runs;

/// <summary>
/// The typed trigger: <c>tasks.For&lt;TTask&gt;()</c> takes the task's payload type at compile time and returns handles
/// that read the output typed.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class TypedTriggerTests(ClusterFixture fixture)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly ITaskClient _tasks = fixture.Tasks;

    [Fact]
    public async Task PollAsync_WithATypedHandle_ReturnsTheOutputTyped()
    {
        RunHandle<EchoOutput> handle = await _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(5, "typed"));

        TaskRun<EchoOutput> run = await _tasks.Runs.PollAsync(handle).Within(s_timeout, "the typed run");

        Assert.True(run.IsSuccess);
        Assert.Equal(handle.Id, run.Id);
        Assert.Equal(5, run.Output!.Value);
        Assert.Equal("typed", run.Output.Text);
        Assert.Equal(handle.Id, run.Output.RunId);
        Assert.Null(run.Error);
    }

    [Fact]
    public async Task RetrieveAsync_WithATypedHandleOfAFailedRun_HasNoOutputAndTheError()
    {
        var handle = await _tasks.For<AlwaysFailsTask>().TriggerAsync(new EmptyPayload(), new TriggerOptions { MaxAttempts = 1 });
        await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the failing run");

        var run = await _tasks.Runs.RetrieveAsync(handle);

        Assert.Equal(RunStatus.Failed, run.Status);
        Assert.False(run.IsSuccess);
        Assert.Null(run.Output);
        Assert.Contains("attempt 1 failed on purpose", run.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BatchTriggerAsync_Typed_ReturnsTypedHandlesInItemOrder()
    {
        var batch = await _tasks.For<EchoTask>().BatchTriggerAsync([new EchoPayload(1), new EchoPayload(2), new EchoPayload(3)]);

        var outputs = new List<int>();
        foreach (var handle in batch.Runs)
        {
            var run = await _tasks.Runs.PollAsync(handle).Within(s_timeout, "a batch run");
            outputs.Add(run.Output!.Value);
        }

        Assert.StartsWith("batch_", batch.BatchId, StringComparison.Ordinal);
        Assert.Equal([1, 2, 3], outputs);
    }

    [Fact]
    public void TypedTrigger_WithTheTasksPayloadType_Compiles()
    {
        var errors = SnippetCompiler.Errors(Snippet("new EchoPayload(1)"));

        Assert.Empty(errors);
    }

    [Theory]
    [InlineData("new SleepPayload(TimeSpan.Zero)")]
    [InlineData("\"{\\\"value\\\":1}\"")]
    [InlineData("42")]
    public void TypedTrigger_WithAnotherPayloadType_DoesNotCompile(string payload)
    {
        var errors = SnippetCompiler.Errors(Snippet(payload));

        var error = Assert.Single(errors);
        Assert.Equal("CS0411", error.Id); // the payload contradicts the type the task fixes, so nothing can be inferred
    }

    [Fact]
    public void TypedHandle_ReadingTheOutputAsAnotherType_DoesNotCompile()
    {
        const string source = """
            using OrleansTasks;
            using OrleansTasks.TestTasks;

            public static class UserCode
            {
                public static async Task<SleepPayload?> Run(ITaskClient tasks)
                {
                    var handle = await tasks.For<EchoTask>().TriggerAsync(new EchoPayload(1));
                    var run = await tasks.Runs.PollAsync(handle);
                    return run.Output;
                }
            }
            """;

        var error = Assert.Single(SnippetCompiler.Errors(source));

        Assert.Equal("CS0029", error.Id); // EchoOutput is not a SleepPayload
    }

    private static string Snippet(string payload) => $$"""
        using OrleansTasks;
        using OrleansTasks.TestTasks;

        public static class UserCode
        {
            public static async Task<EchoOutput?> Run(ITaskClient tasks)
            {
                RunHandle<EchoOutput> handle = await tasks.For<EchoTask>().TriggerAsync({{payload}});
                TaskRun<EchoOutput> run = await tasks.Runs.PollAsync(handle);
                return run.Output;
            }
        }
        """;
}
