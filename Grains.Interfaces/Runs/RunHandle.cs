namespace OrleansTasks;

/// <summary>What a trigger returns: the run's id and its task's id.</summary>
/// <param name="Id">The run id, <c>run_…</c>.</param>
/// <param name="TaskId">The id of the task the run executes.</param>
/// <param name="IsCached">
/// True when no run was created because the trigger matched an existing run: by idempotency key, or by debounce key
/// while that run was still delayed.
/// </param>
[GenerateSerializer, Alias("ot.RunHandle")]
public sealed record RunHandle(string Id, string TaskId, bool IsCached = false);

/// <summary>What a batch trigger returns: the batch id and one handle per item, in item order.</summary>
/// <param name="BatchId">The batch id, <c>batch_…</c>.</param>
/// <param name="Runs">The runs created, in the order of the items.</param>
[GenerateSerializer, Alias("ot.BatchHandle")]
public sealed record BatchHandle(string BatchId, IReadOnlyList<RunHandle> Runs);
