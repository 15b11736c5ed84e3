namespace OrleansTasks.Bench.Chaos;

/// <summary>One broken promise the verifier found: its kind (as in the result line), the run, and what was seen.</summary>
internal sealed record ChaosViolation(string Kind, string? RunId, string? TaskId, string Detail)
{
    public override string ToString() => $"violation {Kind} run={RunId ?? "-"} task={TaskId ?? "-"} {Detail}";
}
