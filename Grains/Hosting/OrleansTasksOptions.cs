using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OrleansTasks.Hosting;

/// <summary>Engine settings for every task on the silo, bound from the <c>OrleansTasks</c> configuration section.</summary>
public sealed class OrleansTasksOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "OrleansTasks";

    /// <summary>
    /// A retry delay (and, later, a wait) at least this long suspends the run: its state is saved with the time it is
    /// due, it gives up its concurrency slot and its grain, and the supervisor wakes it. Shorter ones stay in memory.
    /// Default: 60 seconds (Trigger.dev checkpoints waits after 60 s).
    /// </summary>
    public TimeSpan SuspendThreshold { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// How often a running attempt sends its metadata changes (<c>context.Metadata</c>) to the run, and so how soon
    /// readers see them; they are also sent at <c>FlushAsync</c> and before the attempt ends. Default: 1 second.
    /// </summary>
    public TimeSpan MetadataFlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How often the supervisor looks for runs whose silo died and for suspended runs coming due. It also looks at
    /// once whenever a silo leaves the cluster. Default: 5 seconds.
    /// </summary>
    public TimeSpan SupervisorInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How many runs may hold a concurrency slot at once across every queue of the environment (the cluster's
    /// service). Queue limits apply within it. Default: 100, as a self-hosted Trigger.dev.
    /// </summary>
    public int EnvironmentConcurrencyLimit { get; set; } = 100;

    /// <summary>
    /// The machine presets this silo executes runs of (names such as <c>small-1x</c>, <c>large-2x</c>). Empty, the
    /// default, serves every preset. A run whose preset no live silo serves waits queued, and says so.
    /// </summary>
    public IList<string> MachinePresets { get; set; } = [];

    /// <summary>The defaults of every task on the silo: retry policy, maximum duration, machine, retries in development.</summary>
    public TaskDefaults Defaults { get; set; } = new();

    /// <summary>
    /// How long a cancelled run's code and its <c>OnCancelAsync</c> hooks get to finish before the attempt is treated as
    /// cancelled regardless (Trigger.dev gives <c>onCancel</c> 30 s). Default: 30 seconds.
    /// </summary>
    public TimeSpan CancelTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a stopping silo (SIGTERM, a rolling update) lets the attempts executing on it finish before it hands
    /// those still running to other silos (they resume there by replay: no failed attempt, no step repeated). It starts
    /// no new attempt meanwhile, and reports itself not ready. The host's shutdown timeout is raised to this plus
    /// <see cref="Draining.SiloDrain.AfterDrain"/>; give the pod a longer grace period. Zero hands over at once. Default: 25 seconds.
    /// </summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>
    /// How long run log entries (what task code writes through <c>context.Logger</c>) are kept. Each silo deletes older
    /// entries about once an hour. Null keeps them forever. Default: 30 days (Trigger.dev's longest plan).
    /// </summary>
    public TimeSpan? LogRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// How long runs' data-stream chunks (<c>context.Streams</c>) are kept, counted from when each was stored; then each
    /// silo deletes them, about once an hour. Null keeps them forever. Default: 28 days (Trigger.dev's streams v2).
    /// </summary>
    public TimeSpan? StreamRetention { get; set; } = Streams.StreamLimits.DefaultRetention;

    /// <summary>
    /// How long finished runs are kept, counted from their end: then each silo deletes them (their state, journals and
    /// attempt history, and their log entries) in small batches, about once an hour. Unfinished runs are never
    /// deleted. Null keeps finished runs forever. Default: 30 days (Trigger.dev's longest plan).
    /// </summary>
    public TimeSpan? RunRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// The lowest level of <c>context.Logger</c> entries stored with the run (Trigger.dev's <c>logLevel</c>); lower ones
    /// still go to the silo's own logging if it is configured for them. Default: <see cref="LogLevel.Information"/>.
    /// </summary>
    public LogLevel RunLogLevel { get; set; } = LogLevel.Information;

    /// <summary>How schedules fire: the lead, when an occurrence counts as missed, and the sweep (<c>OrleansTasks:Schedules</c>).</summary>
    public ScheduleSettings Schedules { get; set; } = new();
}

/// <summary>Checks <see cref="OrleansTasksOptions"/> at start-up.</summary>
internal sealed class OrleansTasksOptionsValidator : IValidateOptions<OrleansTasksOptions>
{
    public ValidateOptionsResult Validate(string? name, OrleansTasksOptions options)
    {
        var failures = new List<string>();
        if (options.SuspendThreshold <= TimeSpan.Zero)
        {
            failures.Add($"OrleansTasks:SuspendThreshold is {options.SuspendThreshold}; it must be positive.");
        }

        if (options.SupervisorInterval < TimeSpan.FromMilliseconds(100) || options.SupervisorInterval > TimeSpan.FromMinutes(5))
        {
            failures.Add($"OrleansTasks:SupervisorInterval is {options.SupervisorInterval}; it must be between 100 ms and 5 minutes.");
        }

        if (options.EnvironmentConcurrencyLimit is < 1 or > QueueOptions.MaxConcurrencyLimit)
        {
            failures.Add($"OrleansTasks:EnvironmentConcurrencyLimit is {options.EnvironmentConcurrencyLimit}; it must be between 1 and {QueueOptions.MaxConcurrencyLimit:N0}.");
        }

        failures.AddRange(options.Schedules.Problems());
        if (options.RunRetention is { } runRetention && runRetention <= TimeSpan.Zero)
        {
            failures.Add($"OrleansTasks:RunRetention is {runRetention}; it must be positive, or null to keep finished runs forever.");
        }

        if (options.LogRetention is { } retention && retention <= TimeSpan.Zero)
        {
            failures.Add($"OrleansTasks:LogRetention is {retention}; it must be positive, or null to keep run logs forever.");
        }

        if (options.StreamRetention is { } streamRetention && streamRetention <= TimeSpan.Zero)
        {
            failures.Add($"OrleansTasks:StreamRetention is {streamRetention}; it must be positive, or null to keep data streams forever.");
        }

        foreach (var preset in options.MachinePresets)
        {
            try
            {
                MachinePresetNames.Parse(preset);
            }
            catch (ArgumentException exception)
            {
                failures.Add($"OrleansTasks:MachinePresets: {exception.Message}");
            }
        }

        if (options.CancelTimeout <= TimeSpan.Zero || options.CancelTimeout > TimeSpan.FromMinutes(10))
        {
            failures.Add($"OrleansTasks:CancelTimeout is {options.CancelTimeout}; it must be more than zero and at most 10 minutes.");
        }

        if (options.DrainTimeout < TimeSpan.Zero || options.DrainTimeout > TimeSpan.FromHours(1))
        {
            failures.Add($"OrleansTasks:DrainTimeout is {options.DrainTimeout}; it must be zero or more and at most an hour.");
        }

        ValidateDefaults(options.Defaults, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateDefaults(TaskDefaults? defaults, List<string> failures)
    {
        if (defaults is null)
        {
            failures.Add("OrleansTasks:Defaults is null; leave it unset for the built-in defaults.");
            return;
        }

        try
        {
            (defaults.Retry ?? throw new InvalidConfigurationException("OrleansTasks:Defaults: Retry is null; leave it unset for the built-in policy.")).Validate("OrleansTasks:Defaults");
        }
        catch (InvalidConfigurationException exception)
        {
            failures.Add(exception.Message);
        }

        if (defaults.MaxDuration is { } maxDuration && maxDuration != Timeout.InfiniteTimeSpan && maxDuration < TaskLimits.MinMaxDuration)
        {
            failures.Add($"OrleansTasks:Defaults:MaxDuration is {maxDuration}; it must be at least {TaskLimits.MinMaxDuration.TotalSeconds} seconds, or unset for no limit.");
        }

        try
        {
            MachinePresetNames.Parse(defaults.Machine);
        }
        catch (ArgumentException exception)
        {
            failures.Add($"OrleansTasks:Defaults:Machine: {exception.Message}");
        }
    }
}
