namespace OrleansTasks;

/// <summary>
/// How severe a stored run log entry is. The names and numbers are those of
/// <c>Microsoft.Extensions.Logging.LogLevel</c> (0 to 5), so a level converts by a cast; <c>LogLevel.None</c> has no
/// counterpart, because nothing is written at it.
/// </summary>
[GenerateSerializer, Alias("ot.RunLogLevel")]
public enum RunLogLevel
{
    /// <summary>The most detailed messages, which may hold sensitive data.</summary>
    Trace = 0,

    /// <summary>Messages for investigating a problem while developing.</summary>
    Debug = 1,

    /// <summary>The general flow of the run.</summary>
    Information = 2,

    /// <summary>Something unexpected that did not stop the run.</summary>
    Warning = 3,

    /// <summary>A failure of the current operation, not of the whole run.</summary>
    Error = 4,

    /// <summary>A failure that needs attention at once.</summary>
    Critical = 5,
}
