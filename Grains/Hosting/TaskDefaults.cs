namespace OrleansTasks.Hosting;

/// <summary>
/// Settings every task on the silo starts from (Trigger.dev's config-file defaults), bound from
/// <c>OrleansTasks:Defaults</c>. A task overrides one by overriding the property of the same name.
/// </summary>
public sealed class TaskDefaults
{
    /// <summary>The retry policy of tasks that do not set <c>Retry</c>. Default: 3 attempts, 1 s to 60 s, factor 2, randomized.</summary>
    public RetryOptions Retry { get; set; } = new();

    /// <summary>
    /// The maximum duration of an attempt for tasks that do not set <c>MaxDuration</c>; at least 5 seconds.
    /// Default: null, no limit.
    /// </summary>
    public TimeSpan? MaxDuration { get; set; }

    /// <summary>The machine preset of tasks that do not set <c>Machine</c> (a name such as <c>small-2x</c>). Default: <c>small-1x</c>.</summary>
    public string Machine { get; set; } = "small-1x";

    /// <summary>
    /// Whether failed attempts are retried when the host runs in the <c>Development</c> environment. Default: false,
    /// as Trigger.dev's project template: while developing, a failure shows at once. A trigger that sets
    /// <c>MaxAttempts</c> still gets them.
    /// </summary>
    public bool RetriesEnabledInDevelopment { get; set; }
}
