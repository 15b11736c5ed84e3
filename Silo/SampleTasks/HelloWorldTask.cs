using System.ComponentModel.DataAnnotations;
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

/// <summary>Whom to greet: a name of 1 to 100 characters (checked before the task runs, and by the dashboard's Test page).</summary>
public sealed record HelloPayload([property: Required, StringLength(100, MinimumLength = 1)] string Name);

public sealed record HelloOutput(string Message);
