using System.Text.Json;
using OrleansTasks.Web.Errors;

namespace OrleansTasks.Web.Wire;

/// <summary>
/// Reads a field of a request's JSON by name, checking its type: a wrong one is a 400 that names the field (with
/// <c>prefix</c> before it, such as <c>options.</c>). A missing field, or null, reads as absent.
/// </summary>
internal static class JsonFields
{
    public static JsonElement Property(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : default;

    public static string? String(JsonElement element, string name, string prefix) => Property(element, name) switch
    {
        { ValueKind: JsonValueKind.Undefined } => null,
        { ValueKind: JsonValueKind.String } value => value.GetString(),
        var value => throw ApiException.BadRequest($"'{prefix}{name}' must be a string; it is {value.GetRawText()}."),
    };

    public static int? Int(JsonElement element, string name, string prefix) => Property(element, name) switch
    {
        { ValueKind: JsonValueKind.Undefined } => null,
        { ValueKind: JsonValueKind.Number } value when value.TryGetInt32(out var number) => number,
        var value => throw ApiException.BadRequest($"'{prefix}{name}' must be a whole number; it is {value.GetRawText()}."),
    };

    public static IReadOnlyList<string>? Strings(JsonElement element, string name, string prefix) => Property(element, name) switch
    {
        { ValueKind: JsonValueKind.Undefined } => null,
        { ValueKind: JsonValueKind.String } value => [value.GetString()!],
        { ValueKind: JsonValueKind.Array } value when value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String) => [.. value.EnumerateArray().Select(v => v.GetString()!)],
        var value => throw ApiException.BadRequest($"'{prefix}{name}' must be a string or an array of strings; it is {value.GetRawText()}."),
    };
}
