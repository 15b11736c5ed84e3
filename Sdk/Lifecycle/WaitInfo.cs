namespace OrleansTasks;

/// <summary>What a run waits for, as <c>OnWaitAsync</c> and <c>OnResumeAsync</c> see it (Trigger.dev's <c>wait.type</c>).</summary>
public enum WaitKind
{
    /// <summary><see cref="Wait.ForAsync"/> or <see cref="Wait.UntilAsync"/>.</summary>
    Duration,

    /// <summary><see cref="Wait.ForTokenAsync{T}(string, CancellationToken)"/>.</summary>
    Token,

    /// <summary>One child run: <c>TriggerAndWaitAsync</c>.</summary>
    Task,

    /// <summary>Several child runs: <c>BatchTriggerAndWaitAsync</c>.</summary>
    Batch,
}

/// <summary>A wait the run starts or comes back from.</summary>
/// <param name="Kind">What the run waits for.</param>
/// <param name="Until">For a <see cref="WaitKind.Duration"/> wait, the moment it ends.</param>
/// <param name="TokenId">For a <see cref="WaitKind.Token"/> wait, the token's id.</param>
public sealed record WaitInfo(WaitKind Kind, DateTimeOffset? Until = null, string? TokenId = null);
