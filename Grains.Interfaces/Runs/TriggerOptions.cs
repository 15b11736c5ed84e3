namespace OrleansTasks;

/// <summary>
/// Options for one trigger. Every option left null falls back to the task's own setting, then to the silo's defaults.
/// </summary>
[GenerateSerializer, Immutable, Alias("ot.TriggerOptions")]
public sealed record TriggerOptions
{
    /// <summary>Tags to find the run by: at most 10, each 1–128 characters. Not inherited by child runs.</summary>
    [Id(0)]
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>Overrides the task's <c>Retry.MaxAttempts</c> for this run (at least 1).</summary>
    [Id(1)]
    public int? MaxAttempts { get; init; }

    /// <summary>Overrides the task's maximum duration per attempt for this run (at least 5 seconds).</summary>
    [Id(2)]
    public TimeSpan? MaxDuration { get; init; }

    /// <summary>Overrides the task's machine preset for this run.</summary>
    [Id(3)]
    public MachinePreset? Machine { get; init; }

    /// <summary>
    /// Runs in this queue instead of the task's own. The queue must be defined (by a task or by <c>AddQueue</c>);
    /// naming one that is not is an error at the call.
    /// </summary>
    [Id(4)]
    public string? Queue { get; init; }

    /// <summary>
    /// Gives each value its own copy of the queue, each with the queue's full concurrency limit (per-tenant
    /// concurrency), cluster-wide. At most 1,024 characters.
    /// </summary>
    [Id(5)]
    public string? ConcurrencyKey { get; init; }

    /// <summary>
    /// Seconds of queue-time credit: a run with priority 10 is ordered as if it had been queued 10 seconds earlier.
    /// Between 0 and 30 days in seconds. Default: 0.
    /// </summary>
    [Id(6)]
    public int? Priority { get; init; }

    /// <summary>Keeps the run <c>DELAYED</c> this long before it is queued (at least 0; at most a year).</summary>
    [Id(7)]
    public TimeSpan? Delay { get; init; }

    /// <summary>Keeps the run <c>DELAYED</c> until this moment before it is queued. Give this or <see cref="Delay"/>, not both.</summary>
    [Id(8)]
    public DateTimeOffset? DelayUntil { get; init; }

    /// <summary>
    /// Time to live: a run not started within this time of being queued ends <c>EXPIRED</c>. At least 1 second;
    /// <see cref="TimeSpan.Zero"/> means none.
    /// </summary>
    [Id(9)]
    public TimeSpan? Ttl { get; init; }

    /// <summary>
    /// Makes the trigger idempotent: a second trigger of the same task with the same key returns the first run's handle
    /// instead of creating a run, until the key expires or that run fails. At most 2,048 characters. The key is hashed
    /// with its <see cref="IdempotencyKeyScope"/> (see <see cref="IdempotencyKeys"/>).
    /// </summary>
    [Id(10)]
    public string? IdempotencyKey { get; init; }

    /// <summary>
    /// What the key is unique within: the parent run (the default, inside a task), the parent's attempt, or everything.
    /// Outside a task every scope is global.
    /// </summary>
    [Id(11)]
    public IdempotencyKeyScope? IdempotencyKeyScope { get; init; }

    /// <summary>How long the key holds (at least 1 second). Default: 30 days.</summary>
    [Id(12)]
    public TimeSpan? IdempotencyKeyTtl { get; init; }

    /// <summary>Debounces triggers that share a key: see <see cref="DebounceOptions"/>.</summary>
    [Id(13)]
    public DebounceOptions? Debounce { get; init; }

    /// <summary>
    /// The run's first metadata, as a JSON object (at most 256 KB); <see cref="WithMetadata"/> makes it from an object.
    /// The task reads it through <c>context.Metadata</c>.
    /// </summary>
    [Id(14)]
    public string? MetadataJson { get; init; }

    /// <summary>These options with <paramref name="metadata"/> (anything that serializes to a JSON object) as the run's first metadata.</summary>
    public TriggerOptions WithMetadata(object metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return this with { MetadataJson = System.Text.Json.JsonSerializer.Serialize(metadata, metadata.GetType(), TaskJson.Options) };
    }
}

/// <summary>What an idempotency key is unique within.</summary>
[GenerateSerializer, Alias("ot.IdempotencyKeyScope")]
public enum IdempotencyKeyScope
{
    /// <summary>The parent run: the same key from another run creates another run. Global outside a task.</summary>
    Run = 0,

    /// <summary>The parent run's attempt: a retry of the parent triggers the child again. Global outside a task.</summary>
    Attempt = 1,

    /// <summary>Everything: the key is unique for the task across all runs.</summary>
    Global = 2,
}

/// <summary>
/// Debouncing, as in Trigger.dev: the first trigger with a key creates a <c>DELAYED</c> run due after
/// <see cref="Delay"/>; each later trigger with that key, while the run is still delayed, pushes its start back to
/// <see cref="Delay"/> from then (never past <see cref="MaxDelay"/> from the first) and returns the same run. In
/// <see cref="DebounceMode.Trailing"/> mode a later trigger also replaces the run's payload, tags, machine, maximum
/// attempts and maximum duration. Idempotency keys win over debounce.
/// </summary>
[GenerateSerializer, Immutable, Alias("ot.DebounceOptions")]
public sealed record DebounceOptions
{
    /// <summary>The longest debounce key: 512 characters.</summary>
    public const int MaxKeyLength = 512;

    /// <summary>The key triggers are debounced by, within the task (1–512 characters).</summary>
    [Id(0)]
    public required string Key { get; init; }

    /// <summary>How long after the latest trigger the run starts (at least 1 second).</summary>
    [Id(1)]
    public required TimeSpan Delay { get; init; }

    /// <summary>Which trigger's payload and options the run keeps. Default: the first's (leading).</summary>
    [Id(2)]
    public DebounceMode Mode { get; init; } = DebounceMode.Leading;

    /// <summary>The latest the run may start, counted from the first trigger; null for no bound.</summary>
    [Id(3)]
    public TimeSpan? MaxDelay { get; init; }
}

/// <summary>Which trigger of a debounced series the run keeps the payload and options of.</summary>
[GenerateSerializer, Alias("ot.DebounceMode")]
public enum DebounceMode
{
    /// <summary>The first trigger's.</summary>
    Leading = 0,

    /// <summary>The latest trigger's.</summary>
    Trailing = 1,
}
