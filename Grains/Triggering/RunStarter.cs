using System.Security.Cryptography;
using System.Text;
using Orleans.Concurrency;
using OrleansTasks.Debounce;
using OrleansTasks.Idempotency;
using OrleansTasks.Registry;
using OrleansTasks.Runs;

namespace OrleansTasks.Triggering;

/// <summary>
/// The one way the engine creates a run from a trigger: through the idempotency key's grain when the trigger has a
/// key, through the debounce key's grain when it debounces, straight to the run grain otherwise. Used by the
/// gateway (client triggers), by batches and by triggers made inside a task.
/// </summary>
internal static class RunStarter
{
    /// <summary>True when the trigger must go through a key's grain rather than straight to its run grain.</summary>
    public static bool IsKeyed(TriggerRequest request) =>
        request.Options is { } options && (options.IdempotencyKey is not null || options.Debounce is not null);

    public static Task<RunHandle> TriggerAsync(IGrainFactory grains, TaskRegistry registry, TriggerRequest request, string runId)
    {
        var options = request.Options ?? new TriggerOptions();
        if (options.IdempotencyKey is null && options.Debounce is null)
        {
            return grains.Reference<IRunGrain>(runId).TriggerAsync(request);
        }

        var descriptor = registry.Resolve(request.TaskId, request.TaskType);
        TriggerValidation.ValidateOptions(descriptor.Id, options);
        if (options.Debounce is not null && (options.Delay is not null || options.DelayUntil is not null))
        {
            throw new InvalidTriggerException(descriptor.Id, "Debounce sets the delay itself; leave Delay and DelayUntil unset.");
        }

        request = request with { TaskId = descriptor.Id, TaskType = null };
        if (options.IdempotencyKey is { } key)
        {
            var hash = IdempotencyKeys.Hash(key, options.IdempotencyKeyScope ?? IdempotencyKeyScope.Run, request.ParentRunId, request.ParentAttempt);
            return grains.Reference<IIdempotencyKeyGrain>($"{descriptor.Id}/{hash}").TriggerAsync(request with { IdempotencyKeyHash = hash }, runId);
        }

        return DebounceTriggerAsync(grains, descriptor.Id, request, runId);
    }

    /// <summary>A trigger that debounces (and has no idempotency key, or one that matched no run).</summary>
    public static Task<RunHandle> DebounceTriggerAsync(IGrainFactory grains, string taskId, TriggerRequest request, string runId)
    {
        var debounce = request.Options!.Debounce!;
        var keyHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(debounce.Key)));
        return grains.Reference<IDebounceGrain>($"{taskId}/{keyHash}").TriggerAsync(request, runId);
    }
}

/// <summary>The <see cref="ITriggerGateway"/>: a local stateless worker in front of the key grains.</summary>
[StatelessWorker]
internal sealed class TriggerGateway(TaskRegistry registry) : Grain, ITriggerGateway
{
    public Task<RunHandle> TriggerAsync(TriggerRequest request, string runId)
    {
        ArgumentNullException.ThrowIfNull(request);
        Guard.NotBlank(runId);
        return RunStarter.TriggerAsync(GrainFactory, registry, request, runId);
    }
}
