using Cronos;

namespace OrleansTasks;

/// <summary>
/// A cron schedule in Trigger.dev's dialect: five fields (minute, hour, day of month, month, day of week), no seconds;
/// <c>L</c> in the day of month is its last day, <c>1L</c>–<c>7L</c> in the day of week the month's last such weekday,
/// and 0 and 7 are both Sunday. Occurrences are computed in an IANA time zone (UTC by default) by Cronos, so daylight
/// saving is handled: a time that does not exist on a spring-forward day fires when the clock jumps past it, and a time
/// that happens twice on a fall-back day fires once.
/// </summary>
public sealed class CronPattern
{
    /// <summary>The fields' names, in order, as errors name them.</summary>
    public static readonly IReadOnlyList<string> FieldNames = ["minute", "hour", "day of month", "month", "day of week"];

    private readonly CronExpression _cron;

    private CronPattern(string expression, CronExpression cron, TimeZoneInfo timeZone)
    {
        Expression = expression;
        _cron = cron;
        TimeZone = timeZone;
    }

    /// <summary>The expression, as given (trimmed, with single spaces).</summary>
    public string Expression { get; }

    /// <summary>The zone occurrences are computed in.</summary>
    public TimeZoneInfo TimeZone { get; }

    /// <summary>The zone's IANA id (<c>UTC</c> by default).</summary>
    public string TimeZoneId => TimeZone.Id;

    /// <summary>A description in words, such as "at 09:30, Monday through Friday".</summary>
    public string Description => CronDescription.Describe(Expression);

    /// <summary>Reads a pattern, checking each field and the zone.</summary>
    /// <param name="expression">Five fields, e.g. <c>0 9 * * 1-5</c>.</param>
    /// <param name="timeZone">An IANA zone, e.g. <c>Europe/London</c>; null or empty for UTC.</param>
    /// <exception cref="InvalidRequestException">
    /// The expression is not five fields, a field is not valid (the message names it), or the zone is not an IANA zone
    /// this machine knows (the message names it).
    /// </exception>
    public static CronPattern Parse(string expression, string? timeZone = null)
    {
        if (string.IsNullOrWhiteSpace(expression))
        {
            throw new InvalidRequestException("A cron expression is required: five fields, minute hour day-of-month month day-of-week (e.g. \"0 9 * * 1-5\").", "cron");
        }

        var fields = expression.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 5)
        {
            throw new InvalidRequestException(
                $"The cron expression '{expression.Trim()}' has {fields.Length} fields; it must have five: minute hour day-of-month month day-of-week (no seconds).", "cron");
        }

        for (var i = 0; i < fields.Length; i++)
        {
            CheckField(fields, i);
        }

        var normal = string.Join(' ', fields);
        CronExpression cron;
        try
        {
            cron = CronExpression.Parse(normal, CronFormat.Standard);
        }
        catch (CronFormatException exception)
        {
            throw new InvalidRequestException($"The cron expression '{normal}' is not valid: {exception.Message}", "cron");
        }

        return new CronPattern(normal, cron, FindZone(timeZone));
    }

    /// <summary>The first occurrence strictly after <paramref name="after"/>; null if there is none (e.g. 30 February).</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset after) =>
        _cron.GetNextOccurrence(after.ToUniversalTime(), TimeZone, inclusive: false)?.ToUniversalTime();

    /// <summary>The next <paramref name="count"/> occurrences after <paramref name="after"/> (Trigger.dev's <c>upcoming</c> has five).</summary>
    public IReadOnlyList<DateTimeOffset> Upcoming(DateTimeOffset after, int count = 5)
    {
        var upcoming = new List<DateTimeOffset>(count);
        var from = after;
        while (upcoming.Count < count && NextAfter(from) is { } next)
        {
            upcoming.Add(next);
            from = next;
        }

        return upcoming;
    }

    /// <summary>The occurrences after <paramref name="from"/> up to and including <paramref name="to"/>, oldest first, at most <paramref name="limit"/>.</summary>
    public IReadOnlyList<DateTimeOffset> Between(DateTimeOffset from, DateTimeOffset to, int limit)
    {
        var found = new List<DateTimeOffset>();
        var at = from;
        while (found.Count < limit && NextAfter(at) is { } next && next <= to)
        {
            found.Add(next);
            at = next;
        }

        return found;
    }

    /// <summary>The zone of an IANA id; UTC for null or empty.</summary>
    /// <exception cref="InvalidRequestException">The id is not an IANA zone this machine knows.</exception>
    public static TimeZoneInfo FindZone(string? timeZone)
    {
        if (string.IsNullOrWhiteSpace(timeZone))
        {
            return TimeZoneInfo.Utc;
        }

        if (TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out var zone) && zone.HasIanaId)
        {
            return zone;
        }

        throw new InvalidRequestException(
            $"The time zone '{timeZone}' is not an IANA time zone this silo knows; use a name such as \"Europe/London\" or \"America/New_York\" (CronPattern.TimeZoneIds() lists them).", "timezone");
    }

    /// <summary>Every IANA zone id this machine knows, sorted.</summary>
    public static IReadOnlyList<string> TimeZoneIds() =>
        [.. TimeZoneInfo.GetSystemTimeZones().Where(z => z.HasIanaId).Select(z => z.Id).Append("UTC").Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>Parses one field on its own (the others any), so a mistake is reported with the field's name.</summary>
    private static void CheckField(string[] fields, int index)
    {
        var probe = new string[5];
        Array.Fill(probe, "*");
        probe[index] = fields[index];

        // The day of month and day of week may not both be '?'; a lone probe never has that problem.
        try
        {
            CronExpression.Parse(string.Join(' ', probe), CronFormat.Standard);
        }
        catch (CronFormatException exception)
        {
            throw new InvalidRequestException(
                $"The {FieldNames[index]} field of the cron expression, '{fields[index]}', is not valid ({Ranges[index]}): {exception.Message}", "cron");
        }
    }

    private static readonly string[] Ranges =
    [
        "0-59, lists, ranges and steps",
        "0-23, lists, ranges and steps",
        "1-31, L for the last day, lists, ranges and steps",
        "1-12 or JAN-DEC, lists, ranges and steps",
        "0-7 or SUN-SAT (0 and 7 are Sunday), nL for the month's last such weekday, lists, ranges and steps",
    ];
}
