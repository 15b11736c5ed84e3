namespace OrleansTasks;

/// <summary>
/// One line a run's task code wrote through <c>context.Logger</c>, as it is stored and as <c>Runs.GetLogsAsync</c>
/// returns it.
/// </summary>
[GenerateSerializer, Alias("ot.RunLogEntry")]
public sealed record RunLogEntry
{
    /// <summary>The run that wrote the entry.</summary>
    [Id(0)]
    public required string RunId { get; init; }

    /// <summary>The attempt that wrote the entry, from 1.</summary>
    [Id(1)]
    public required int Attempt { get; init; }

    /// <summary>
    /// Identifies the entry within its attempt. A replay of the attempt writes its lines again with the same keys, and
    /// the store keeps only the first entry with a given run, attempt and key, so a line is never shown twice.
    /// </summary>
    [Id(2)]
    public required string Key { get; init; }

    /// <summary>How severe the entry is.</summary>
    [Id(3)]
    public required RunLogLevel Level { get; init; }

    /// <summary>The message, rendered: its placeholders replaced by their values.</summary>
    [Id(4)]
    public required string Message { get; init; }

    /// <summary>The structured properties of the message (its placeholders and their values as text); may be empty.</summary>
    [Id(5)]
    public required IReadOnlyDictionary<string, string?> Properties { get; init; }

    /// <summary>When the entry was written.</summary>
    [Id(6)]
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>The exception logged with the entry, as its <see cref="System.Exception.ToString"/>; null for none.</summary>
    [Id(7)]
    public string? Exception { get; init; }

    /// <summary>The W3C trace id of the activity current when the entry was written; null for none.</summary>
    [Id(8)]
    public string? TraceId { get; init; }

    /// <summary>The W3C span id of the activity current when the entry was written; null for none.</summary>
    [Id(9)]
    public string? SpanId { get; init; }
}
