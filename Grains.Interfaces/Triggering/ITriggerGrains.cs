using Orleans.Concurrency;
using OrleansTasks.Runs;

namespace OrleansTasks.Triggering;

/// <summary>
/// Where a client sends a trigger that carries an idempotency key or a debounce key: the task is resolved and the key
/// scoped and hashed on the silo, then the trigger goes to the one grain that owns the key. A local stateless worker,
/// so it costs no extra network hop; plain triggers go straight to their run grain.
/// </summary>
[Alias("ot.ITriggerGateway")]
public interface ITriggerGateway : IGrainWithIntegerKey
{
    /// <summary>Triggers, creating the run as <paramref name="runId"/> unless the key matches an existing run.</summary>
    [Alias("trigger")]
    Task<RunHandle> TriggerAsync(TriggerRequest request, string runId);
}

/// <summary>
/// One idempotency key of one task, keyed by <c>task id/key hash</c>. It takes triggers one at a time, so any number of
/// concurrent triggers with the key create exactly one run; it finds that run in the table when activated.
/// </summary>
[Alias("ot.IIdempotencyKeyGrain")]
public interface IIdempotencyKeyGrain : IGrainWithStringKey
{
    /// <summary>Returns the key's run if it holds (not expired, not failed), else creates <paramref name="runId"/>.</summary>
    [Alias("trigger")]
    Task<RunHandle> TriggerAsync(TriggerRequest request, string runId);
}

/// <summary>One debounce key of one task, keyed by <c>task id/key hash</c>: it knows the key's delayed run.</summary>
[Alias("ot.IDebounceGrain")]
public interface IDebounceGrain : IGrainWithStringKey
{
    /// <summary>Pushes the key's delayed run back, or creates <paramref name="runId"/> if there is none.</summary>
    [Alias("trigger")]
    Task<RunHandle> TriggerAsync(TriggerRequest request, string runId);
}
