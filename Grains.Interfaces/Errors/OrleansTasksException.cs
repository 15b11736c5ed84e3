namespace OrleansTasks;

/// <summary>
/// The root of every error OrleansTasks raises. Each subclass carries the ids involved as properties and crosses
/// grain calls intact, so a client catches the same type a silo threw.
/// </summary>
[GenerateSerializer, Alias("ot.OrleansTasksException")]
public abstract class OrleansTasksException : Exception
{
    /// <summary>Creates the exception with its message.</summary>
    protected OrleansTasksException(string message)
        : base(message)
    {
    }

    /// <summary>
    /// What went wrong, as a stable machine-readable code (one of <see cref="OrleansTasksErrorCodes"/>): branch on it
    /// rather than on the message, which may change. The HTTP API maps codes to status codes.
    /// </summary>
    public abstract string Code { get; }

    /// <summary>Creates the exception with its message and cause.</summary>
    protected OrleansTasksException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
