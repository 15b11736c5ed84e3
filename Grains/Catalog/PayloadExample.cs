using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrleansTasks.Catalog;

/// <summary>
/// An example value made from a JSON schema (as System.Text.Json's exporter writes it): an object with each of its
/// properties, a value of each type (a declared default or the first enum value where there is one), arrays with one
/// item. References (<c>$ref</c>) to a schema being built are left null, so recursive types end.
/// </summary>
internal static class PayloadExample
{
    private const int MaxDepth = 8;

    public static JsonNode? From(JsonNode schema) => Build(schema, schema, depth: 0);

    private static JsonNode? Build(JsonNode root, JsonNode? schema, int depth)
    {
        if (schema is not JsonObject node || depth > MaxDepth)
        {
            return null;
        }

        if (node["default"] is { } declared)
        {
            return declared.DeepClone();
        }

        if (node["$ref"]?.GetValue<string>() is { } reference)
        {
            return Build(root, Resolve(root, reference), depth + 1);
        }

        if (node["enum"] is JsonArray values && values.Count > 0)
        {
            return values.FirstOrDefault(v => v is not null)?.DeepClone();
        }

        if (node["anyOf"] is JsonArray anyOf && anyOf.Count > 0)
        {
            return Build(root, anyOf.FirstOrDefault(s => s?["type"]?.ToString() != "null") ?? anyOf[0], depth + 1);
        }

        return MainType(node) switch
        {
            "object" => Object(root, node, depth),
            "array" => new JsonArray(Build(root, node["items"], depth + 1)),
            "string" => String(node),
            "integer" => 0,
            "number" => 0,
            "boolean" => false,
            _ => null,
        };
    }

    private static JsonObject Object(JsonNode root, JsonObject node, int depth)
    {
        var example = new JsonObject();
        if (node["properties"] is JsonObject properties)
        {
            foreach (var (name, property) in properties)
            {
                example[name] = Build(root, property, depth + 1);
            }
        }

        return example;
    }

    private static JsonNode String(JsonObject node) => node["format"]?.GetValue<string>() switch
    {
        "date-time" => "2026-01-01T00:00:00Z",
        "date" => "2026-01-01",
        "time" => "00:00:00",
        "uuid" => Guid.Empty.ToString(),
        "uri" => "https://example.com/",
        "email" => "someone@example.com",
        _ => "",
    };

    /// <summary>The type a value takes when it is not null: <c>["string","null"]</c> is a string.</summary>
    private static string? MainType(JsonObject node) => node["type"] switch
    {
        JsonValue value when value.TryGetValue<string>(out var type) => type,
        JsonArray types => types.Select(t => t?.GetValue<string>()).FirstOrDefault(t => t is not null and not "null"),
        _ => node["properties"] is not null ? "object" : null,
    };

    /// <summary>A reference within the schema: <c>#</c> or <c>#/a/b</c>.</summary>
    private static JsonNode? Resolve(JsonNode root, string reference)
    {
        if (!reference.StartsWith('#'))
        {
            return null;
        }

        var node = root;
        foreach (var segment in reference.TrimStart('#').Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            node = node?[segment.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)];
        }

        return reference == "#" ? null : node; // "#" is the root itself: a recursive type, left null.
    }

    /// <summary>The example as indented JSON text.</summary>
    public static string ToJson(JsonNode? example) => example?.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) ?? "null";
}
