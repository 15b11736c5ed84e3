namespace OrleansTasks.Machines;

/// <summary>
/// Which silos execute which machine presets, for the cluster. Each silo registers its presets when it starts and
/// again whenever membership changes (so a directory that moved with a dead silo is filled again at once).
/// </summary>
[Alias("ot.IMachineDirectoryGrain")]
internal interface IMachineDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>A silo says which presets it serves; an empty list serves every preset.</summary>
    [Alias("register")]
    Task RegisterAsync(SiloAddress silo, IReadOnlyList<MachinePreset> presets);

    /// <summary>A silo that is stopping takes no more runs: it is not found again until it registers once more.</summary>
    [Alias("withdraw")]
    Task WithdrawAsync(SiloAddress silo);

    /// <summary>A live silo that serves the preset, chosen at random among them; null when none does.</summary>
    [Alias("find")]
    Task<SiloAddress?> FindAsync(MachinePreset preset);
}
