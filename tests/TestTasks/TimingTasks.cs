namespace OrleansTasks.TestTasks;

/// <summary>Honours its token: waits until cancelled (or the payload's duration passes).</summary>
public sealed class CooperativeSleepTask : TaskDefinition<SleepPayload, string>
{
    public override string Id => "sleep-cooperative";

    public override TimeSpan? MaxDuration => TimeSpan.FromSeconds(5);

    public override async Task<string> RunAsync(SleepPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        Probe.Started(payload.Key);
        try
        {
            await Task.Delay(payload.Duration, cancellationToken);
            return "slept";
        }
        catch (OperationCanceledException)
        {
            Probe.Canceled(payload.Key);
            throw;
        }
    }
}

/// <summary>Ignores its token: the platform must end the attempt at the deadline anyway.</summary>
public sealed class StubbornSleepTask : TaskDefinition<SleepPayload, string>
{
    public override string Id => "sleep-stubborn";

    public override TimeSpan? MaxDuration => TimeSpan.FromSeconds(5);

    public override async Task<string> RunAsync(SleepPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        Probe.Started(payload.Key);
        await Task.Delay(payload.Duration, CancellationToken.None);
        return "slept through it";
    }
}

/// <summary>The first attempt takes a long time (so a test can kill its silo); later attempts return at once.</summary>
public sealed class SlowFirstAttemptTask : TaskDefinition<SleepPayload, string>
{
    public override string Id => "slow-first-attempt";

    public override RetryOptions RetryPolicy => new() { MaxAttempts = 3, MinDelay = TimeSpan.FromMilliseconds(500), Randomize = false };

    public override async Task<string> RunAsync(SleepPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        if (context.Attempt == 1)
        {
            await Task.Delay(payload.Duration, cancellationToken);
        }

        return $"done on attempt {context.Attempt}";
    }
}

public sealed record SleepPayload(TimeSpan Duration, string Key = "");

/// <summary>Waits durably (for a duration, or for a token when the payload says so) and reports when that wait is cancelled.</summary>
public sealed class CancellableWaitTask : TaskDefinition<CancellableWaitPayload, string>
{
    public override string Id => "wait-cancellable";

    public override async Task<string> RunAsync(CancellableWaitPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        Probe.Started(payload.Key);
        try
        {
            if (payload.ForToken)
            {
                var token = await Wait.CreateTokenAsync(new WaitTokenOptions { Tags = [payload.Key] });
                await Wait.ForTokenAsync<Approval>(token);
            }
            else
            {
                await Wait.ForAsync(TimeSpan.FromMinutes(5));
            }

            return "waited";
        }
        catch (OperationCanceledException)
        {
            Probe.Canceled(payload.Key);
            throw;
        }
    }
}

public sealed record CancellableWaitPayload(string Key, bool ForToken);
