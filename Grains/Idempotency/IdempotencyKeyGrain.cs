using OrleansTasks.Runs;
using OrleansTasks.Storage;
using OrleansTasks.Triggering;

namespace OrleansTasks.Idempotency;

/// <summary>
/// One idempotency key of one task (Trigger.dev's semantics). Triggers with the key are taken one at a time: the
/// first creates the run, the rest get its handle (<see cref="RunHandle.IsCached"/>) for as long as the key holds. A
/// run that failed (any failure status) frees its key, and so does the key's time to live running out; a completed or
/// cancelled run keeps it. The run itself is the record: the key's hash is a column of the <c>runs</c> table.
/// </summary>
internal sealed class IdempotencyKeyGrain(IRunStore store, TimeProvider time) : Grain, IIdempotencyKeyGrain
{
    private string? _runId;
    private bool _looked;

    public async Task<RunHandle> TriggerAsync(TriggerRequest request, string runId)
    {
        ArgumentNullException.ThrowIfNull(request);
        var key = this.GetPrimaryKeyString();
        var taskId = key[..key.LastIndexOf('/')];
        if (!_looked)
        {
            _runId = await store.FindByIdempotencyKeyAsync(taskId, request.IdempotencyKeyHash!);
            _looked = true;
        }

        if (_runId is not null && await FindHoldingRunAsync(_runId) is { } existing)
        {
            if (request.ParentRunId is { } parent && request.ParentWaitKey is { } waitKey)
            {
                // A parent waits on a run it did not trigger: that run tells it of its end too.
                await GrainFactory.Reference<IRunGrain>(existing.Id).AddWaiterAsync(parent, waitKey, request.ParentWaitIndex);
            }

            return new RunHandle(existing.Id, existing.TaskId, IsCached: true);
        }

        // Idempotency keys win over debounce: only a trigger whose key matched nothing debounces.
        var handle = request.Options?.Debounce is not null
            ? await RunStarter.DebounceTriggerAsync(GrainFactory, taskId, request, runId)
            : await GrainFactory.Reference<IRunGrain>(runId).TriggerAsync(request);
        _runId = handle.Id;
        return handle;
    }

    /// <summary>The key's run if the key still holds: not expired, and the run not failed.</summary>
    private async Task<TaskRun?> FindHoldingRunAsync(string runId)
    {
        TaskRun run;
        try
        {
            run = await GrainFactory.Reference<IRunGrain>(runId).GetAsync();
        }
        catch (RunNotFoundException)
        {
            return null;
        }

        var expired = run.IdempotencyKeyExpiresAt is { } expiresAt && expiresAt <= time.GetUtcNow();
        return expired || run.Status.IsFailure() ? null : run;
    }
}
