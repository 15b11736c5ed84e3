namespace OrleansTasks.Bench.Chaos;

/// <summary><c>chaos-flaky</c>: the first attempt fails on purpose, the second succeeds.</summary>
internal sealed class ChaosFlakyTask : TaskDefinition<ChaosPayload, bool>
{
    public const string TaskId = "chaos-flaky";

    /// <summary>In the deliberate failure's message, which is how the verifier tells it from an infrastructure error.</summary>
    public const string DeliberateFailure = "chaos: deliberate first failure";

    public override string Id => TaskId;

    public override RetryOptions RetryPolicy => new() { MaxAttempts = 2 };

    public override Task<bool> RunAsync(ChaosPayload payload, TaskContext context, CancellationToken cancellationToken) =>
        context.Attempt == 1
            ? throw new InvalidOperationException($"{DeliberateFailure} (attempt {context.Attempt} of run {context.RunId})")
            : Task.FromResult(true);
}
