using Orleans.Runtime;

namespace OrleansTasks.Machines;

/// <summary>The <see cref="IMachineDirectoryGrain"/>: registrations in memory, checked against live membership on every lookup.</summary>
internal sealed class MachineDirectoryGrain(IClusterMembershipService membership) : Grain, IMachineDirectoryGrain
{
    private readonly Dictionary<SiloAddress, IReadOnlyList<MachinePreset>> _silos = [];

    public Task RegisterAsync(SiloAddress silo, IReadOnlyList<MachinePreset> presets)
    {
        _silos[silo] = presets;
        return Task.CompletedTask;
    }

    public Task WithdrawAsync(SiloAddress silo)
    {
        _silos.Remove(silo);
        return Task.CompletedTask;
    }

    public Task<SiloAddress?> FindAsync(MachinePreset preset)
    {
        var members = membership.CurrentSnapshot.Members;
        var serving = _silos
            .Where(s => members.TryGetValue(s.Key, out var member) && member.Status == SiloStatus.Active)
            .Where(s => s.Value.Count == 0 || s.Value.Contains(preset))
            .Select(s => s.Key)
            .ToList();
        return Task.FromResult(serving.Count == 0 ? null : serving[Random.Shared.Next(serving.Count)]);
    }
}

/// <summary>The presets this silo serves, from <c>OrleansTasksOptions.MachinePresets</c>; none while it drains.</summary>
internal sealed class MachineCatalog(Microsoft.Extensions.Options.IOptions<Hosting.OrleansTasksOptions> options, Draining.SiloDrain drain)
{
    public IReadOnlyList<MachinePreset> Presets { get; } = [.. options.Value.MachinePresets.Select(MachinePresetNames.Parse).Distinct()];

    /// <summary>True while this silo is stopping: it registers with no directory and starts no attempt.</summary>
    public bool IsDraining => drain.IsDraining;

    /// <summary>True when this silo executes runs of <paramref name="preset"/> now: it lists it (or lists none), and is not draining.</summary>
    public bool Serves(MachinePreset preset) => !drain.IsDraining && (Presets.Count == 0 || Presets.Contains(preset));
}
