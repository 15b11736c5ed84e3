using OrleansTasks.Runs;

namespace OrleansTasks.Debounce;

/// <summary>One debounce key of one task, keyed by <c>task id/key hash</c>: it knows the key's delayed run.</summary>
[Alias("ot.IDebounceGrain")]
internal interface IDebounceGrain : IGrainWithStringKey
{
    /// <summary>Pushes the key's delayed run back, or creates <paramref name="runId"/> if there is none.</summary>
    [Alias("trigger")]
    Task<RunHandle> TriggerAsync(TriggerRequest request, string runId);
}
