using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using OrleansTasks.Execution;

namespace OrleansTasks.Logs;

/// <summary>
/// <c>context.Logger</c>: each entry goes to the silo's own logging (with the run in scope) and, at or above the
/// silo's run log level, is stored with the run. An entry's key comes from the run context, so the same line written
/// again by a replay is stored once.
/// </summary>
internal sealed class RunLogger(ILogger inner, RunLogWriter writer, AttemptRequest request, LogLevel minimum, TimeProvider time) : ILogger
{
    /// <summary>Trigger.dev's limit on one attribute's value; longer messages and values are cut, and say so.</summary>
    internal const int MaxValueLength = 131_072;

    private const string OriginalFormat = "{OriginalFormat}";

    /// <summary>The execution's context, which keys the entries; set once the context exists.</summary>
    public RunContext? Context { get; set; }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && (logLevel >= minimum || inner.IsEnabled(logLevel));

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (inner.IsEnabled(logLevel))
        {
            inner.Log(logLevel, eventId, state, exception, formatter);
        }

        if (logLevel < minimum || logLevel == LogLevel.None || Context is not { } context)
        {
            return;
        }

        var activity = Activity.Current;
        writer.Append(new RunLogEntry
        {
            RunId = request.RunId,
            Attempt = request.Attempt,
            Key = context.NextLogKey(),
            Level = (RunLogLevel)logLevel,
            Message = Cut(formatter(state, exception)),
            Properties = Properties(state),
            Timestamp = time.GetUtcNow(),
            Exception = exception is null ? null : Cut(exception.ToString()),
            TraceId = activity?.TraceId.ToHexString(),
            SpanId = activity?.SpanId.ToHexString(),
        });
    }

    private static Dictionary<string, string?> Properties<TState>(TState state)
    {
        var properties = new Dictionary<string, string?>(StringComparer.Ordinal);
        if (state is IReadOnlyList<KeyValuePair<string, object?>> values)
        {
            foreach (var (key, value) in values)
            {
                if (key != OriginalFormat)
                {
                    properties[key] = value is null ? null : Cut(Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty);
                }
            }
        }

        return properties;
    }

    private static string Cut(string value) => value.Length <= MaxValueLength ? value : string.Concat(value.AsSpan(0, MaxValueLength), "… (cut)");
}
