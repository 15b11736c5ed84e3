using System.Text.Json;
using OrleansTasks.Web.Errors;

namespace OrleansTasks.Web.Wire;

/// <summary>
/// Trigger.dev's data packets: a payload travels as a string with its type. The SDK sends superjson
/// (<c>application/super+json</c>: <c>{"json": …, "meta": …}</c>), plain JSON or text. The engine keeps JSON, so a
/// superjson packet keeps its <c>json</c> part: superjson writes dates as ISO strings there, which .NET reads as dates;
/// its <c>meta</c> type hints (a JavaScript <c>Map</c>, <c>Set</c> or <c>BigInt</c>) have no .NET counterpart and are dropped.
/// </summary>
internal static class Packets
{
    public const string SuperJson = "application/super+json";
    public const string Json = "application/json";
    public const string Text = "text/plain";
    public const string Store = "application/store";

    /// <summary>The JSON a packet carries; <paramref name="field"/> names it in errors.</summary>
    /// <exception cref="ApiException">The type is unknown, or the data is not what its type says.</exception>
    public static string ToJson(string? data, string? type, string field)
    {
        switch (type ?? Json)
        {
            case SuperJson:
                var envelope = Parse(data ?? "", field, "superjson");
                if (envelope.ValueKind != JsonValueKind.Object)
                {
                    throw ApiException.BadRequest($"'{field}' is typed {SuperJson} but is not a superjson object ({{\"json\": …}}).");
                }

                return envelope.TryGetProperty("json", out var json) ? json.GetRawText() : "null";
            case Json:
                return string.IsNullOrEmpty(data) ? "null" : Parse(data, field, "JSON").GetRawText();
            case Text:
                return JsonSerializer.Serialize(data ?? "");
            case Store:
                throw ApiException.BadRequest($"'{field}' names an uploaded packet ({Store}), which this request cannot take; trigger with it instead.");
            default:
                throw ApiException.BadRequest($"'{field}' has the type '{type}'; it must be {SuperJson}, {Json} or {Text}.");
        }
    }

    private static JsonElement Parse(string data, string field, string what)
    {
        try
        {
            using var document = JsonDocument.Parse(data);
            return document.RootElement.Clone();
        }
        catch (JsonException exception)
        {
            throw ApiException.BadRequest($"'{field}' is not valid {what}: {exception.Message}");
        }
    }
}
