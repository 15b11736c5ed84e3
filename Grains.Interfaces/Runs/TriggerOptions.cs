namespace OrleansTasks;

/// <summary>
/// Options for one trigger. Every option left null falls back to the task's own setting, then to the silo's defaults.
/// </summary>
[GenerateSerializer, Alias("ot.TriggerOptions")]
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
}
