using System.Globalization;
using System.Text;

namespace OrleansTasks;

/// <summary>
/// Trigger.dev's <c>window</c>: spreads the runs of many schedules that share a cron pattern over a span after each
/// nominal time, so a thousand "0 * * * *" schedules do not all start at once. The span is a duration (<c>30m</c>,
/// <c>2h</c>, at most 24 hours) or a share of the interval to the next occurrence (<c>50%</c>), never past the next
/// occurrence; <c>0m</c> or <c>0%</c> is none. Each schedule's offset within it is fixed by its id, so the same schedule
/// always runs at the same point of the window.
/// </summary>
public sealed record ScheduleWindow
{
    /// <summary>The longest window, as Trigger.dev's.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromHours(24);

    private ScheduleWindow(string text, TimeSpan? duration, double? share)
    {
        Text = text;
        Duration = duration;
        Share = share;
    }

    /// <summary>No spreading: runs start at their nominal time.</summary>
    public static ScheduleWindow None { get; } = new("0m", TimeSpan.Zero, null);

    /// <summary>The window as written.</summary>
    public string Text { get; }

    /// <summary>A fixed span, or null for a share of the interval.</summary>
    public TimeSpan? Duration { get; }

    /// <summary>A share of the interval to the next occurrence (0 to 1), or null for a fixed span.</summary>
    public double? Share { get; }

    /// <summary>Reads <c>30m</c>, <c>2h</c>, <c>45s</c> or <c>50%</c>; null or empty is <see cref="None"/>.</summary>
    /// <exception cref="InvalidRequestException">Not one of those forms, over 24 hours, or over 100%.</exception>
    public static ScheduleWindow Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return None;
        }

        var trimmed = text.Trim();
        var unit = trimmed[^1];
        if (!double.TryParse(trimmed[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount) || amount < 0)
        {
            throw Invalid(trimmed);
        }

        if (unit == '%')
        {
            return amount <= 100 ? new ScheduleWindow(trimmed, null, amount / 100) : throw new InvalidRequestException($"The window '{trimmed}' is over 100% of the interval.", "window");
        }

        var duration = unit switch
        {
            's' => TimeSpan.FromSeconds(amount),
            'm' => TimeSpan.FromMinutes(amount),
            'h' => TimeSpan.FromHours(amount),
            _ => throw Invalid(trimmed),
        };
        return duration <= MaxDuration
            ? new ScheduleWindow(trimmed, duration, null)
            : throw new InvalidRequestException($"The window '{trimmed}' is longer than {MaxDuration.TotalHours:N0} hours, the longest a window may be.", "window");
    }

    /// <summary>
    /// When the occurrence at <paramref name="nominal"/> runs: its nominal time plus this schedule's fixed share of the
    /// window, the window cut short at <paramref name="next"/> (the following occurrence), so runs keep their order.
    /// </summary>
    public DateTimeOffset EffectiveAt(DateTimeOffset nominal, DateTimeOffset? next, string scheduleId)
    {
        var interval = next is { } following ? following - nominal : MaxDuration;
        var span = Duration ?? interval * (Share ?? 0);
        if (span > interval)
        {
            span = interval;
        }

        if (span <= TimeSpan.Zero)
        {
            return nominal;
        }

        // Whole milliseconds below the span, never the span itself (that would be the next occurrence).
        var offset = TimeSpan.FromMilliseconds(StableHash(scheduleId) % (ulong)Math.Max(1, (long)span.TotalMilliseconds));
        return nominal + offset;
    }

    private static InvalidRequestException Invalid(string text) =>
        new($"The window '{text}' is not valid: write a duration such as \"30m\", \"2h\" or \"45s\" (at most 24 hours), a share of the interval such as \"50%\", or \"0m\" for none.", "window");

    /// <summary>FNV-1a over the id's UTF-8 bytes: the same in every process and every version, unlike string hashes.</summary>
    private static ulong StableHash(string value)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }
}
