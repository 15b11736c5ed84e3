using Microsoft.Extensions.Logging;

namespace OrleansTasks.Execution;

/// <summary>A logger that puts the run id, task id and attempt in the scope of every entry it writes.</summary>
internal sealed class RunScopedLogger(ILogger inner, AttemptRequest request) : ILogger
{
    private readonly KeyValuePair<string, object?>[] _scope =
    [
        new("RunId", request.RunId),
        new("TaskId", request.TaskId),
        new("Attempt", request.Attempt),
    ];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        using (inner.BeginScope(_scope))
        {
            inner.Log(logLevel, eventId, state, exception, formatter);
        }
    }
}
