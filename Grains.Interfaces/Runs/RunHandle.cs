namespace OrleansTasks;

/// <summary>What a trigger returns: the run's id and its task's id.</summary>
/// <param name="Id">The run id, <c>run_…</c>.</param>
/// <param name="TaskId">The id of the task the run executes.</param>
/// <param name="IsCached">
/// True when no run was created because the trigger matched an existing run: by idempotency key, or by debounce key
/// while that run was still delayed.
/// </param>
[GenerateSerializer, Immutable, Alias("ot.RunHandle")]
public record RunHandle(string Id, string TaskId, bool IsCached = false);

/// <summary>
/// What a typed trigger returns: a <see cref="RunHandle"/> that knows its task's output type, so
/// <c>Runs.PollAsync(handle)</c> and <c>Runs.RetrieveAsync(handle)</c> give the output typed.
/// </summary>
/// <typeparam name="TOutput">The task's output type.</typeparam>
public sealed record RunHandle<TOutput>(string Id, string TaskId, bool IsCached = false) : RunHandle(Id, TaskId, IsCached)
{
    internal static RunHandle<TOutput> From(RunHandle handle) => new(handle.Id, handle.TaskId, handle.IsCached);
}

/// <summary>What a batch trigger returns: the batch id and one handle per item, in item order.</summary>
/// <param name="BatchId">The batch id, <c>batch_…</c>.</param>
/// <param name="Runs">The runs created, in the order of the items.</param>
[GenerateSerializer, Alias("ot.BatchHandle")]
public sealed record BatchHandle(string BatchId, IReadOnlyList<RunHandle> Runs);

/// <summary>What a typed batch trigger returns: the batch id and one typed handle per item, in item order.</summary>
/// <param name="BatchId">The batch id, <c>batch_…</c>.</param>
/// <param name="Runs">The runs created, in the order of the items.</param>
/// <typeparam name="TOutput">The task's output type.</typeparam>
public sealed record BatchHandle<TOutput>(string BatchId, IReadOnlyList<RunHandle<TOutput>> Runs)
{
    internal static BatchHandle<TOutput> From(BatchHandle batch) => new(batch.BatchId, [.. batch.Runs.Select(RunHandle<TOutput>.From)]);
}
