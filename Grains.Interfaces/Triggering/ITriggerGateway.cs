using OrleansTasks.Runs;

namespace OrleansTasks.Triggering;

/// <summary>
/// Where a client sends a trigger that carries an idempotency key or a debounce key: the task is resolved and the key
/// scoped and hashed on the silo, then the trigger goes to the one grain that owns the key. A local stateless worker,
/// so it costs no extra network hop; plain triggers go straight to their run grain.
/// </summary>
[Alias("ot.ITriggerGateway")]
internal interface ITriggerGateway : IGrainWithIntegerKey
{
    /// <summary>Triggers, creating the run as <paramref name="runId"/> unless the key matches an existing run.</summary>
    [Alias("trigger")]
    Task<RunHandle> TriggerAsync(TriggerRequest request, string runId);
}
