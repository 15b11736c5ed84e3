namespace OrleansTasks.TestTasks;

/// <summary>
/// A parent for the trace tests: a span of its own through <see cref="TaskContext.TraceAsync(string, Func{System.Diagnostics.Activity?, Task})"/>,
/// then a child it waits for. Returns the child's run id.
/// </summary>
public sealed class TracedParentTask(TracedChildTask child) : TaskDefinition<NumberPayload, TracedOutput>
{
    public override string Id => "traced-parent";

    public override async Task<TracedOutput> RunAsync(NumberPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        await context.TraceAsync("user-span", activity =>
        {
            activity?.SetTag("test.value", payload.Value);
            return Task.CompletedTask;
        });
        var result = await child.TriggerAndWaitAsync(payload);
        return new TracedOutput(result.Unwrap(), result.RunId);
    }
}

/// <summary>The child of <see cref="TracedParentTask"/>: one step.</summary>
public sealed class TracedChildTask : TaskDefinition<NumberPayload, int>
{
    public override string Id => "traced-child";

    public override Task<int> RunAsync(NumberPayload payload, TaskContext context, CancellationToken cancellationToken) =>
        context.StepAsync("double", _ => Task.FromResult(payload.Value * 2));
}

public sealed record TracedOutput(int Value, string ChildRunId);
