using Microsoft.Extensions.Logging;
using OrleansTasks;

namespace OrleansTasks.Silo.SampleTasks;

/// <summary>Works for a minute, reporting progress every ten seconds; stops early when cancelled.</summary>
public sealed class OneMinuteTask : TaskDefinition<OneMinutePayload, OneMinuteOutput>
{
    public override string Id => "one-minute";

    public override TimeSpan? MaxDuration => TimeSpan.FromMinutes(5);

    public override async Task<OneMinuteOutput> RunAsync(OneMinutePayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        for (var step = 1; step <= 6; step++)
        {
            await Task.Delay(TimeSpan.FromSeconds(10), cancellationToken);
            context.Logger.LogInformation("Worked {Seconds} s of 60", step * 10);
        }

        return new OneMinuteOutput(DateTimeOffset.UtcNow - started);
    }
}

public sealed record OneMinutePayload(string? Note = null);

public sealed record OneMinuteOutput(TimeSpan Worked);
