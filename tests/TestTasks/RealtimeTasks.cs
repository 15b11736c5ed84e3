namespace OrleansTasks.TestTasks;

/// <summary>
/// Reports progress through metadata, one step at a time (flushed at each, so each is a change a subscriber sees).
/// Each step can wait for the test to release it (<see cref="ProgressPayload.Gated"/>, in-process tests) or make a
/// durable wait (across processes); a burst of flushed increments at the end makes many changes quickly.
/// </summary>
public sealed class ProgressTask : TaskDefinition<ProgressPayload, int>
{
    public override string Id => "progress";

    public override async Task<int> RunAsync(ProgressPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        for (var step = 1; step <= payload.Steps; step++)
        {
            context.Metadata.Set("progress", step);
            await context.Metadata.FlushAsync();
            if (payload.Gated)
            {
                await Probe.WhenReleased($"{payload.Key}:{step}").WaitAsync(cancellationToken);
            }

            if (payload.Wait > TimeSpan.Zero)
            {
                await Wait.ForAsync(payload.Wait, cancellationToken);
            }
        }

        for (var i = 0; i < payload.Burst; i++)
        {
            context.Metadata.Increment("burst");
            await context.Metadata.FlushAsync();
        }

        return payload.Steps;
    }
}

public sealed record ProgressPayload(string Key, int Steps, bool Gated = false, TimeSpan Wait = default, int Burst = 0);
