namespace OrleansTasks.Bench.Chaos;

/// <summary>Everything the verifier read after a chaos run, for <see cref="ChaosReport"/> to judge.</summary>
internal sealed record ChaosObservations
{
    /// <summary>The runs whose trigger returned.</summary>
    public required IReadOnlyList<ChaosTrigger> Triggered { get; init; }

    /// <summary>The triggers that threw.</summary>
    public required IReadOnlyList<ChaosTriggerError> TriggerErrors { get; init; }

    /// <summary>The triggered runs and their children as last read, by run id; a run not found is absent.</summary>
    public required IReadOnlyDictionary<string, TaskRun> Runs { get; init; }

    /// <summary>Every <c>chaos-child</c> run the listing returned.</summary>
    public required IReadOnlyList<RunSummary> Children { get; init; }

    /// <summary>Runs of the chaos tasks at depth 0 that no returned trigger accounts for (a trigger that threw may have created one).</summary>
    public required int Untracked { get; init; }

    /// <summary>Every row of <c>chaos_effects</c>.</summary>
    public required IReadOnlyList<ChaosEffect> Effects { get; init; }

    /// <summary>The silos killed or stopped, in order.</summary>
    public required IReadOnlyList<ChaosKill> Kills { get; init; }

    /// <summary>Every silo process started, to name the process behind a silo address.</summary>
    public required IReadOnlyList<ChaosSiloProcess> Silos { get; init; }

    /// <summary>True when silos were stopped with SIGTERM, where no repeated step is excused.</summary>
    public required bool Sigterm { get; init; }

    /// <summary>Completed runs whose final state the realtime subscriber never saw.</summary>
    /// <summary>Schedule occurrences (from their creation to the end of the kills) with no completed run.</summary>
    public required IReadOnlyList<string> ScheduleMissed { get; init; }

    /// <summary>Schedule occurrences with more than one run.</summary>
    public required IReadOnlyList<string> ScheduleDuplicates { get; init; }

    public required IReadOnlyList<string> RealtimeMissedFinals { get; init; }

    /// <summary>States the realtime subscriber saw out of order (older than one before, or after the final state).</summary>
    public required int RealtimeDisorders { get; init; }
}
