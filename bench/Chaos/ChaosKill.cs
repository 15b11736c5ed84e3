namespace OrleansTasks.Bench.Chaos;

/// <summary>A silo the orchestrator killed (SIGKILL) or stopped (SIGTERM), and when.</summary>
/// <param name="pid">The silo's process id, as its side-effect rows record it.</param>
/// <param name="at">When the signal was sent.</param>
/// <param name="sigterm">True for SIGTERM (a graceful stop), false for SIGKILL.</param>
internal sealed class ChaosKill(int pid, DateTimeOffset at, bool sigterm)
{
    public int Pid { get; } = pid;

    public DateTimeOffset At { get; } = at;

    public bool Sigterm { get; } = sigterm;

    public string Mode => Sigterm ? "sigterm" : "sigkill";

    /// <summary>How long the silo took to exit after the signal; null until it did (or if it never did in time).</summary>
    public TimeSpan? ExitedAfter { get; set; }
}
