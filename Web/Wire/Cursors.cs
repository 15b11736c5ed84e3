using System.Globalization;
using System.Text;
using OrleansTasks.Web.Errors;

namespace OrleansTasks.Web.Wire;

/// <summary>A listing's cursor on the wire: the last item's creation time and id, as one opaque URL-safe string.</summary>
internal static class Cursors
{
    public static string Encode(DateTimeOffset createdAt, string id) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{createdAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}:{id}"))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The cursor in the <c>page[after]</c> query parameter, if any.</summary>
    /// <exception cref="ApiException">It is not a cursor this API gave out.</exception>
    public static (DateTimeOffset CreatedAt, string Id)? After(IQueryCollection query)
    {
        var text = query["page[after]"].ToString();
        if (text.Length == 0)
        {
            return null;
        }

        return Decode(text) ?? throw ApiException.BadRequest($"'page[after]' is '{text}', which is not a cursor this API gave out.");
    }

    /// <summary>The creation time and id in a cursor <see cref="Encode"/> made; null for text that is not one.</summary>
    public static (DateTimeOffset CreatedAt, string Id)? Decode(string text)
    {
        try
        {
            var padded = text.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - (padded.Length % 4)) % 4);
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(padded)).Split(':', 2);
            if (parts.Length == 2 && long.TryParse(parts[0], CultureInfo.InvariantCulture, out var ticks) && ticks >= 0 && ticks <= DateTimeOffset.MaxValue.UtcTicks)
            {
                return (new DateTimeOffset(ticks, TimeSpan.Zero), parts[1]);
            }
        }
        catch (FormatException)
        {
        }

        return null;
    }
}
