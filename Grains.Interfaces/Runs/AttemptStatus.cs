namespace OrleansTasks;

/// <summary>How one attempt of a run ended, or that it is still running.</summary>
[GenerateSerializer, Alias("ot.AttemptStatus")]
public enum AttemptStatus
{
    /// <summary>The attempt is running.</summary>
    Executing = 1,

    /// <summary>The attempt returned an output.</summary>
    Completed = 2,

    /// <summary>The attempt threw.</summary>
    Failed = 3,

    /// <summary>The silo running the attempt died or shut down before it ended.</summary>
    Crashed = 4,

    /// <summary>The run was cancelled while the attempt ran.</summary>
    Canceled = 5,

    /// <summary>The attempt ran past the maximum duration.</summary>
    TimedOut = 6,
}
