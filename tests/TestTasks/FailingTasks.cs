namespace OrleansTasks.TestTasks;

/// <summary>Fails every attempt; retries fast and without randomness, so delays are exact.</summary>
public sealed class AlwaysFailsTask : TaskDefinition<EmptyPayload, string>
{
    public static readonly RetryOptions Policy = new() { MaxAttempts = 3, MinDelay = TimeSpan.FromMilliseconds(200), Factor = 3, MaxDelay = TimeSpan.FromSeconds(5), Randomize = false };

    public override string Id => "always-fails";

    public override RetryOptions RetryPolicy => Policy;

    public override Task<string> RunAsync(EmptyPayload payload, TaskContext context, CancellationToken cancellationToken) =>
        throw new InvalidOperationException($"attempt {context.Attempt} failed on purpose");
}

/// <summary>Fails until the attempt named in the payload, then succeeds.</summary>
public sealed class SucceedsOnAttemptTask : TaskDefinition<SucceedsOnPayload, int>
{
    public override string Id => "succeeds-on-attempt";

    public override RetryOptions RetryPolicy => new() { MaxAttempts = 5, MinDelay = TimeSpan.FromMilliseconds(50), Randomize = false };

    public override Task<int> RunAsync(SucceedsOnPayload payload, TaskContext context, CancellationToken cancellationToken) =>
        context.Attempt < payload.Attempt
            ? throw new InvalidOperationException($"not yet: attempt {context.Attempt}")
            : Task.FromResult(context.Attempt);
}

/// <summary>Throws <see cref="AbortTaskRunException"/>, which must end the run at once despite three allowed attempts.</summary>
public sealed class AbortingTask : TaskDefinition<EmptyPayload, string>
{
    public override string Id => "aborting";

    public override RetryOptions RetryPolicy => new() { MaxAttempts = 3, MinDelay = TimeSpan.FromMilliseconds(10), Randomize = false };

    public override Task<string> RunAsync(EmptyPayload payload, TaskContext context, CancellationToken cancellationToken) =>
        throw new AbortTaskRunException("the input can never succeed");
}

/// <summary>Fails its first attempt, then waits the payload's delay to retry (for restart tests).</summary>
public sealed class SlowRetryTask : TaskDefinition<SlowRetryPayload, int>
{
    public override string Id => "slow-retry";

    public override RetryOptions RetryPolicy => new() { MaxAttempts = 2, MinDelay = TimeSpan.FromSeconds(8), MaxDelay = TimeSpan.FromMinutes(5), Randomize = false };

    public override Task<int> RunAsync(SlowRetryPayload payload, TaskContext context, CancellationToken cancellationToken) =>
        context.Attempt == 1 ? throw new InvalidOperationException("first attempt fails; the retry is 8 s away") : Task.FromResult(context.Attempt);
}

public sealed record EmptyPayload;

public sealed record SucceedsOnPayload(int Attempt);

public sealed record SlowRetryPayload(string? Note = null);
