namespace OrleansTasks;

/// <summary>
/// The machine a run asks for, Trigger.dev's presets. A silo can be configured to serve only some presets;
/// the preset is recorded on every run.
/// </summary>
[GenerateSerializer, Alias("ot.MachinePreset")]
public enum MachinePreset
{
    /// <summary><c>micro</c>: 0.25 vCPU, 0.25 GB.</summary>
    Micro = 1,

    /// <summary><c>small-1x</c>: 0.5 vCPU, 0.5 GB. The default.</summary>
    Small1x = 2,

    /// <summary><c>small-2x</c>: 1 vCPU, 1 GB.</summary>
    Small2x = 3,

    /// <summary><c>medium-1x</c>: 1 vCPU, 2 GB.</summary>
    Medium1x = 4,

    /// <summary><c>medium-2x</c>: 2 vCPU, 4 GB.</summary>
    Medium2x = 5,

    /// <summary><c>large-1x</c>: 4 vCPU, 8 GB.</summary>
    Large1x = 6,

    /// <summary><c>large-2x</c>: 8 vCPU, 16 GB.</summary>
    Large2x = 7,
}

/// <summary>Names of <see cref="MachinePreset"/> values as Trigger.dev writes them.</summary>
public static class MachinePresetNames
{
    /// <summary>The preset's name, such as <c>small-1x</c>.</summary>
    public static string ToPresetName(this MachinePreset preset) => preset switch
    {
        MachinePreset.Micro => "micro",
        MachinePreset.Small1x => "small-1x",
        MachinePreset.Small2x => "small-2x",
        MachinePreset.Medium1x => "medium-1x",
        MachinePreset.Medium2x => "medium-2x",
        MachinePreset.Large1x => "large-1x",
        MachinePreset.Large2x => "large-2x",
        _ => throw new ArgumentOutOfRangeException(nameof(preset), preset, "Unknown machine preset."),
    };

    /// <summary>Parses a preset name such as <c>small-1x</c>.</summary>
    /// <exception cref="ArgumentException">The name is not one of the presets; the message lists them.</exception>
    public static MachinePreset Parse(string name) => name switch
    {
        "micro" => MachinePreset.Micro,
        "small-1x" => MachinePreset.Small1x,
        "small-2x" => MachinePreset.Small2x,
        "medium-1x" => MachinePreset.Medium1x,
        "medium-2x" => MachinePreset.Medium2x,
        "large-1x" => MachinePreset.Large1x,
        "large-2x" => MachinePreset.Large2x,
        _ => throw new ArgumentException(
            $"'{name}' is not a machine preset; use one of micro, small-1x, small-2x, medium-1x, medium-2x, large-1x, large-2x.",
            nameof(name)),
    };
}
