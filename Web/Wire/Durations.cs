using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using OrleansTasks.Web.Errors;

namespace OrleansTasks.Web.Wire;

/// <summary>Trigger.dev's durations: <c>"30s"</c>, <c>"10m"</c>, <c>"1h30m"</c>, <c>"2d"</c>, <c>"1w"</c>; some fields also take a number of seconds or a date.</summary>
internal static partial class Durations
{
    /// <summary>A duration string, or (when <paramref name="secondsAllowed"/>) a number of seconds.</summary>
    /// <exception cref="ApiException">Not a duration; the message names <paramref name="field"/>.</exception>
    public static TimeSpan Parse(JsonElement value, string field, bool secondsAllowed = false)
    {
        if (value.ValueKind == JsonValueKind.Number && secondsAllowed && value.TryGetDouble(out var seconds) && seconds >= 0)
        {
            return TimeSpan.FromSeconds(seconds);
        }

        if (value.ValueKind == JsonValueKind.String && TryParse(value.GetString()!, out var duration))
        {
            return duration;
        }

        throw ApiException.BadRequest($"'{field}' is {value.GetRawText()}; it must be a duration such as \"30s\", \"10m\", \"1h30m\" or \"2d\"{(secondsAllowed ? ", or a number of seconds" : "")}.");
    }

    /// <summary>A delay: a duration from now, or an ISO 8601 date.</summary>
    public static DateTimeOffset ParseDelay(JsonElement value, string field, DateTimeOffset now)
    {
        if (value.ValueKind == JsonValueKind.String && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
            && value.GetString()!.Contains('-', StringComparison.Ordinal))
        {
            return at;
        }

        if (value.ValueKind == JsonValueKind.String && TryParse(value.GetString()!, out var duration))
        {
            return now + duration;
        }

        throw ApiException.BadRequest($"'{field}' is {value.GetRawText()}; it must be a duration such as \"10m\" or \"1h\", or an ISO 8601 date.");
    }

    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var match = Pattern().Match(text.Trim());
        if (!match.Success || match.Length == 0)
        {
            return false;
        }

        foreach (var (group, unit) in new[] { ("w", TimeSpan.FromDays(7)), ("d", TimeSpan.FromDays(1)), ("h", TimeSpan.FromHours(1)), ("m", TimeSpan.FromMinutes(1)), ("s", TimeSpan.FromSeconds(1)) })
        {
            if (match.Groups[group].Success)
            {
                duration += unit * int.Parse(match.Groups[group].Value, CultureInfo.InvariantCulture);
            }
        }

        return true;
    }

    [GeneratedRegex(@"^(?:(?<w>\d{1,6})w)?(?:(?<d>\d{1,6})d)?(?:(?<h>\d{1,6})h)?(?:(?<m>\d{1,6})m)?(?:(?<s>\d{1,9})s)?$")]
    private static partial Regex Pattern();
}
