using Microsoft.Extensions.Logging;
using OrleansTasks;

namespace OrleansTasks.Silo.SampleTasks;

/// <summary>The smallest task: greets whoever the payload names.</summary>
public sealed class HelloWorldTask : TaskDefinition<HelloPayload, HelloOutput>
{
    public override string Id => "hello-world";

    public override Task<HelloOutput> RunAsync(HelloPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        context.Logger.LogInformation("Saying hello to {Name}", payload.Name);
        return Task.FromResult(new HelloOutput($"Hello, {payload.Name}!"));
    }
}

public sealed record HelloPayload(string Name);

public sealed record HelloOutput(string Message);
