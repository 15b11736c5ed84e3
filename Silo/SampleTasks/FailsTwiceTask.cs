using Microsoft.Extensions.Logging;
using OrleansTasks;

namespace OrleansTasks.Silo.SampleTasks;

/// <summary>Fails its first two attempts and succeeds on the third: retries with the default policy, made visible.</summary>
public sealed class FailsTwiceTask : TaskDefinition<FailsTwicePayload, FailsTwiceOutput>
{
    public override string Id => "fails-twice";

    public override Task<FailsTwiceOutput> RunAsync(FailsTwicePayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        if (context.Attempt <= 2)
        {
            throw new InvalidOperationException($"Attempt {context.Attempt} fails on purpose; attempt 3 will succeed.");
        }

        context.Logger.LogInformation("Succeeded on attempt {Attempt}", context.Attempt);
        return Task.FromResult(new FailsTwiceOutput(context.Attempt));
    }
}

public sealed record FailsTwicePayload(string? Note = null);

public sealed record FailsTwiceOutput(int SucceededOnAttempt);
