using System.Globalization;
using OrleansTasks.Web.Errors;

namespace OrleansTasks.Web.Wire;

/// <summary>Reads Trigger.dev's listing query parameters; a wrong one is a 400 that names it.</summary>
internal static class QueryFields
{
    /// <summary>A comma-separated list, or null when the parameter is absent.</summary>
    public static List<string>? List(IQueryCollection query, string name) =>
        query[name].ToString() is { Length: > 0 } text ? [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)] : null;

    /// <summary>The <c>tags</c> a realtime subscription follows (required), comma-separated.</summary>
    public static List<string> Tags(IQueryCollection query) =>
        List(query, "tags") ?? throw ApiException.BadRequest("'tags' is required: the tags whose runs to follow, comma-separated.");

    /// <summary>A time as milliseconds since 1970.</summary>
    public static DateTimeOffset? Millis(IQueryCollection query, string name) => query[name].ToString() switch
    {
        { Length: 0 } => null,
        var text when long.TryParse(text, CultureInfo.InvariantCulture, out var ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms),
        var text => throw ApiException.BadRequest($"'{name}' is '{text}'; it must be a time in milliseconds since 1970."),
    };

    /// <summary>The start of <c>filter[createdAt]</c>: its <c>from</c>, or <c>period</c> back from now.</summary>
    public static DateTimeOffset? CreatedFrom(IQueryCollection query, DateTimeOffset now)
    {
        if (query["filter[createdAt][period]"].ToString() is { Length: > 0 } period)
        {
            return Durations.TryParse(period, out var back) ? now - back
                : throw ApiException.BadRequest($"'filter[createdAt][period]' is '{period}'; it must be a duration such as \"1h\" or \"7d\".");
        }

        return Millis(query, "filter[createdAt][from]");
    }

    /// <summary><c>page[size]</c>, from 1 to <paramref name="max"/>; <paramref name="fallback"/> when absent.</summary>
    public static int PageSize(IQueryCollection query, int max, int fallback = 25)
    {
        var text = query["page[size]"].ToString();
        if (text.Length == 0)
        {
            return fallback;
        }

        return int.TryParse(text, CultureInfo.InvariantCulture, out var size) && size >= 1 && size <= max
            ? size
            : throw ApiException.BadRequest($"'page[size]' is '{text}'; it must be a whole number from 1 to {max}.");
    }

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>; <paramref name="fallback"/> when absent.</summary>
    public static int Number(IQueryCollection query, string name, int min, int max, int fallback)
    {
        var text = query[name].ToString();
        if (text.Length == 0)
        {
            return fallback;
        }

        return int.TryParse(text, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw ApiException.BadRequest($"'{name}' is '{text}'; it must be a whole number from {min} to {max}.");
    }

    /// <summary>How far back a realtime subscription to tags looks for runs: <c>createdAt</c> (a duration), 24 hours by default.</summary>
    public static TimeSpan CreatedWithin(IQueryCollection query)
    {
        var text = query["createdAt"].ToString();
        return text.Length == 0 ? TimeSpan.FromHours(24)
            : Durations.TryParse(text, out var back) ? back
            : throw ApiException.BadRequest($"'createdAt' is '{text}'; it must be a duration such as \"1h\" or \"7d\".");
    }
}
