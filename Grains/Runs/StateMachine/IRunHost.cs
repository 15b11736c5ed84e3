namespace OrleansTasks.Runs.StateMachine;

/// <summary>What the run machine needs to know about the silo its run is on; the run grain answers from the silo's services.</summary>
internal interface IRunHost
{
    /// <summary>This silo, as a run's owner names it.</summary>
    string Silo { get; }

    /// <summary>Whether this silo executes runs of the machine preset.</summary>
    bool Serves(MachinePreset machine);

    /// <summary>Whether this execution of the attempt is running here now.</summary>
    bool IsRunning(string runId, int attempt, int execution);

    /// <summary>When the start clock started the run's armed attempt, which it then forgets; null while it has not.</summary>
    DateTimeOffset? TakeClockStart(string runId, int attempt);

    /// <summary>
    /// Takes the run's armed attempt off the start clock, so it never starts there. Null if it had not started; if the
    /// clock had started it already, when it did.
    /// </summary>
    DateTimeOffset? WithdrawClockStart(string runId, int attempt);
}

/// <summary>The run machine's settings.</summary>
/// <param name="SuspendThreshold">A wait this long or longer gives up the slot and suspends; a shorter one is held in memory.</param>
/// <param name="WakeEarly">How early the supervisor wakes a suspended run before its moment.</param>
/// <param name="DurableStorage">Whether runs outlive the silo's process (false in development mode).</param>
internal sealed record RunMachineSettings(TimeSpan SuspendThreshold, TimeSpan WakeEarly, bool DurableStorage = true);

/// <summary>Why the grain brings pending waits up to date from their sources before the machine goes on.</summary>
internal enum WaitCheck
{
    /// <summary>The run resumes (woken, orphaned, or a wait ended with no live code).</summary>
    Resume,

    /// <summary>The run has just been saved suspended: a wait that ended before that save must not be missed.</summary>
    Suspended,
}

