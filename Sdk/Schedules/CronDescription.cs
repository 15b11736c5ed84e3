using System.Globalization;

namespace OrleansTasks;

/// <summary>
/// Says a five-field cron expression in words (Trigger.dev's schedule <c>generator.description</c>): the common shapes in
/// plain English ("every 15 minutes", "at 09:30, Monday through Friday", "at 00:00, on the last day of the month"), and
/// anything else field by field.
/// </summary>
internal static class CronDescription
{
    private static readonly string[] s_days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
    private static readonly string[] s_dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
    private static readonly string[] s_monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];

    public static string Describe(string expression)
    {
        var f = expression.Split(' ');
        var (minute, hour, dayOfMonth, month, dayOfWeek) = (f[0], f[1], f[2], f[3], f[4]);
        var parts = new List<string> { Time(minute, hour) };
        if (dayOfMonth is not ("*" or "?"))
        {
            parts.Add(dayOfMonth.Equals("L", StringComparison.OrdinalIgnoreCase) ? "on the last day of the month"
                : IsNumber(dayOfMonth) ? $"on day {dayOfMonth} of the month"
                : $"on days {dayOfMonth} of the month");
        }

        if (month != "*")
        {
            parts.Add("in " + Names(month, s_monthNames, m => CultureInfo.InvariantCulture.DateTimeFormat.GetMonthName(m), 1));
        }

        if (dayOfWeek is not ("*" or "?"))
        {
            parts.Add(Days(dayOfWeek));
        }

        return string.Join(", ", parts);
    }

    private static string Time(string minute, string hour)
    {
        if (minute == "*" && hour == "*")
        {
            return "every minute";
        }

        if (minute.StartsWith("*/", StringComparison.Ordinal) && hour == "*")
        {
            return $"every {minute[2..]} minutes";
        }

        if (IsNumber(minute) && hour == "*")
        {
            return $"at minute {minute} past every hour";
        }

        if (IsNumber(minute) && hour.StartsWith("*/", StringComparison.Ordinal))
        {
            return $"at minute {minute} past every {hour[2..]} hours";
        }

        if (IsNumber(minute) && hour.Split(',').All(IsNumber))
        {
            return "at " + string.Join(", ", hour.Split(',').Select(h => $"{int.Parse(h, CultureInfo.InvariantCulture):00}:{int.Parse(minute, CultureInfo.InvariantCulture):00}"));
        }

        return $"at minute {minute} of hour {hour}";
    }

    private static string Days(string dayOfWeek)
    {
        if (dayOfWeek.Length == 2 && dayOfWeek[1] is 'L' or 'l' && char.IsDigit(dayOfWeek[0]))
        {
            return $"on the last {s_days[dayOfWeek[0] - '0']} of the month";
        }

        if (dayOfWeek.Split('-') is [var from, var to] && DayIndex(from) is { } start && DayIndex(to) is { } end)
        {
            return $"{s_days[start]} through {s_days[end]}";
        }

        return "on " + Names(dayOfWeek, s_dayNames, d => s_days[d], 0);
    }

    private static string Names(string field, string[] names, Func<int, string> name, int first) =>
        string.Join(", ", field.Split(',').Select(item =>
            int.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? name(n)
            : Array.FindIndex(names, x => x.Equals(item, StringComparison.OrdinalIgnoreCase)) is >= 0 and var i ? name(i + first)
            : item));

    private static int? DayIndex(string day) =>
        int.TryParse(day, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 0 and <= 7 ? n
        : Array.FindIndex(s_dayNames, x => x.Equals(day, StringComparison.OrdinalIgnoreCase)) is >= 0 and var i ? i
        : null;

    private static bool IsNumber(string field) => field.Length > 0 && field.All(char.IsAsciiDigit);
}
