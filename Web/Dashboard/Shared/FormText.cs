using System.Text.Json;

namespace OrleansTasks.Web.Dashboard.Shared;

/// <summary>What a form's text fields hold.</summary>
internal static class FormText
{
    /// <summary>The field's trimmed text, or null when it is empty or blank.</summary>
    public static string? Value(string? field) => string.IsNullOrWhiteSpace(field) ? null : field.Trim();

    /// <summary>The field as one JSON value (a blank field is <c>null</c>).</summary>
    /// <exception cref="InvalidRequestException">It is not JSON; the message starts with <paramref name="what"/>.</exception>
    public static JsonElement Json(string? field, string what)
    {
        try
        {
            using var document = JsonDocument.Parse(Value(field) ?? "null");
            return document.RootElement.Clone();
        }
        catch (JsonException exception)
        {
            throw new InvalidRequestException($"{what} is not valid JSON: {exception.Message}", what);
        }
    }
}
