namespace OrleansTasks;

/// <summary>
/// One lifecycle hook called during an attempt (<c>InitAsync</c>, <c>OnStartAsync</c>, <c>OnWaitAsync</c>,
/// <c>OnResumeAsync</c>, <c>CatchErrorAsync</c>, <c>OnSuccessAsync</c>, <c>OnFailureAsync</c>, <c>OnCompleteAsync</c>,
/// <c>OnCancelAsync</c>, <c>CleanupAsync</c>): across every hook class, global ones and the task's own.
/// </summary>
/// <param name="Name">The hook's method name.</param>
/// <param name="StartedAt">When it was called.</param>
/// <param name="Duration">How long it took.</param>
/// <param name="Failed">Whether it threw (for a hook whose exception fails the attempt, the attempt's error says why).</param>
[GenerateSerializer, Immutable, Alias("ot.HookCall")]
public sealed record HookCall(string Name, DateTimeOffset StartedAt, TimeSpan Duration, bool Failed);
