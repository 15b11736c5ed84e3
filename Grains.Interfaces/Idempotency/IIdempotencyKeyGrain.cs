using OrleansTasks.Runs;

namespace OrleansTasks.Idempotency;

/// <summary>
/// One idempotency key of one task, keyed by <c>task id/key hash</c>. It takes triggers one at a time, so any number of
/// concurrent triggers with the key create exactly one run; it finds that run in the table when activated.
/// </summary>
[Alias("ot.IIdempotencyKeyGrain")]
internal interface IIdempotencyKeyGrain : IGrainWithStringKey
{
    /// <summary>Returns the key's run if it holds (not expired, not failed), else creates <paramref name="runId"/>.</summary>
    [Alias("trigger")]
    Task<RunHandle> TriggerAsync(TriggerRequest request, string runId);
}
