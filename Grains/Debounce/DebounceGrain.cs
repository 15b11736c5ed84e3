using OrleansTasks.Runs;
using OrleansTasks.Triggering;

namespace OrleansTasks.Debounce;

/// <summary>
/// One debounce key of one task (Trigger.dev's semantics). The first trigger creates a <c>DELAYED</c> run due after
/// the debounce delay; later triggers, while that run is still delayed, push it back (never past the deadline set by
/// <see cref="DebounceOptions.MaxDelay"/>) and get its handle. Once the run has left <c>DELAYED</c> the next trigger
/// starts a new one. The key's current run is kept in grain storage.
/// </summary>
internal sealed class DebounceGrain(
    [PersistentState("debounce")] IPersistentState<DebounceState> state,
    TimeProvider time) : Grain, IDebounceGrain
{
    public async Task<RunHandle> TriggerAsync(TriggerRequest request, string runId)
    {
        ArgumentNullException.ThrowIfNull(request);
        var debounce = request.Options!.Debounce!;
        var now = time.GetUtcNow();
        if (state.State.RunId is { } current
            && await GrainFactory.Reference<IRunGrain>(current).DebounceAsync(request, now + debounce.Delay) is { } extended)
        {
            return extended;
        }

        var handle = await GrainFactory.Reference<IRunGrain>(runId).TriggerAsync(request with
        {
            Options = request.Options with { DelayUntil = now + debounce.Delay },
            DebounceDeadline = debounce.MaxDelay is { } maxDelay ? now + maxDelay : null,
        });
        state.State.RunId = handle.Id;
        await state.WriteStateAsync();
        return handle;
    }
}

/// <summary>The debounce key's current run.</summary>
[GenerateSerializer, Alias("ot.DebounceState")]
internal sealed class DebounceState
{
    [Id(0)]
    public string? RunId { get; set; }
}
