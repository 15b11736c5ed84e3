namespace OrleansTasks.TestTasks;

/// <summary>Returns its payload and what the context says about the run.</summary>
public sealed class EchoTask : TaskDefinition<EchoPayload, EchoOutput>
{
    public override string Id => "echo";

    public override Task<EchoOutput> RunAsync(EchoPayload payload, TaskContext context, CancellationToken cancellationToken) =>
        Task.FromResult(new EchoOutput(payload.Value, payload.Text, context.RunId, context.TaskId, context.Attempt, context.Tags, context.Queue, context.Machine));
}

public sealed record EchoPayload(int Value, string? Text = null);

public sealed record EchoOutput(int Value, string? Text, string RunId, string TaskId, int Attempt, IReadOnlyList<string> Tags, string Queue, MachinePreset Machine);

/// <summary>Takes a nullable payload: a null one is a valid payload, answered with "none".</summary>
public sealed class NullablePayloadTask : TaskDefinition<EchoPayload?, string>
{
    public override string Id => "nullable-payload";

    public override Task<string> RunAsync(EchoPayload? payload, TaskContext context, CancellationToken cancellationToken) =>
        Task.FromResult(payload is null ? "none" : $"value {payload.Value}");
}
