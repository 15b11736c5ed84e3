using System.Globalization;
using System.Text.Json;

namespace OrleansTasks.Web.Dashboard.Shared;

/// <summary>How the dashboard writes times, durations and JSON.</summary>
internal static class Display
{
    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };

    public static string Time(DateTimeOffset? at) =>
        at is { } value ? value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fff", CultureInfo.InvariantCulture) + " UTC" : "–";

    public static string ShortTime(DateTimeOffset? at) =>
        at is { } value ? value.UtcDateTime.ToString("MMM d, HH:mm:ss", CultureInfo.InvariantCulture) : "–";

    public static string Duration(TimeSpan? duration) => duration switch
    {
        null => "–",
        { TotalMilliseconds: < 1 } => "<1 ms",
        { TotalSeconds: < 1 } d => $"{d.TotalMilliseconds:0} ms",
        { TotalMinutes: < 1 } d => string.Create(CultureInfo.InvariantCulture, $"{d.TotalSeconds:0.##} s"),
        { TotalHours: < 1 } d => $"{(int)d.TotalMinutes} min {d.Seconds} s",
        { } d => $"{(int)d.TotalHours} h {d.Minutes} min",
    };

    public static TimeSpan? Between(DateTimeOffset? from, DateTimeOffset? to) => from is { } a && to is { } b ? b - a : null;

    /// <summary>JSON text indented for reading; text that is not JSON as it is.</summary>
    public static string Json(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return "";
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            return JsonSerializer.Serialize(document.RootElement, s_indented);
        }
        catch (JsonException)
        {
            return json;
        }
    }

    public static string StatusClass(RunStatus status) => status switch
    {
        RunStatus.Completed => "status ok",
        _ when status.IsFailure() => "status failed",
        RunStatus.Canceled or RunStatus.Expired => "status ended",
        RunStatus.Executing or RunStatus.Dequeued => "status running",
        _ => "status waiting",
    };
}
