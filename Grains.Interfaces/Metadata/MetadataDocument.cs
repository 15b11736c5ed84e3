using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace OrleansTasks.Metadata;

/// <summary>
/// A run's metadata: a JSON object of at most <see cref="MaxBytes"/>, changed by <see cref="MetadataOp"/>s. A list of
/// operations applies whole or not at all: one that cannot apply (incrementing a string, a value that is not JSON) or a
/// result over the limit leaves the document as it was. Pure: the run grain and the code's local view use the same rules.
/// </summary>
internal sealed class MetadataDocument
{
    /// <summary>Trigger.dev's limit on a run's metadata: 256 KB of JSON.</summary>
    public const int MaxBytes = 256 * 1024;

    private JsonObject _root;

    private MetadataDocument(JsonObject root) => _root = root;

    /// <summary>A document from stored JSON; null or empty for an empty one.</summary>
    /// <exception cref="InvalidRequestException">The JSON is not an object.</exception>
    public static MetadataDocument Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return new MetadataDocument([]);
        }

        return new MetadataDocument(ParseObject(json, "Metadata"));
    }

    /// <summary>Checks that <paramref name="json"/> would do as a run's whole metadata: a JSON object within the limit.</summary>
    /// <exception cref="InvalidRequestException">It is not a JSON object.</exception>
    /// <exception cref="MetadataTooLargeException">It is over <see cref="MaxBytes"/>.</exception>
    public static void CheckWhole(string json) => Parse(null).Apply([new MetadataOp(MetadataOpKind.Replace, null, json)]);

    /// <summary>The document as JSON.</summary>
    public string ToJson() => _root.ToJsonString(TaskJson.Options);

    /// <summary>The value at <paramref name="key"/>, deserialized; default when it is missing.</summary>
    public T? Get<T>(string key) => _root[key] is { } node ? node.Deserialize<T>(TaskJson.Options) : default;

    /// <summary>A copy of the whole document.</summary>
    public JsonObject Current() => (JsonObject)_root.DeepClone();

    /// <summary>Applies <paramref name="operations"/> in order, all or none.</summary>
    /// <exception cref="MetadataTooLargeException">The result would be over <see cref="MaxBytes"/>; nothing changed.</exception>
    /// <exception cref="InvalidRequestException">An operation cannot apply; nothing changed.</exception>
    public void Apply(IReadOnlyList<MetadataOp> operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var next = (JsonObject)_root.DeepClone();
        foreach (var operation in operations)
        {
            next = ApplyOne(next, operation);
        }

        var size = Encoding.UTF8.GetByteCount(next.ToJsonString(TaskJson.Options));
        if (size > MaxBytes)
        {
            throw new MetadataTooLargeException(size, MaxBytes);
        }

        _root = next;
    }

    private static JsonObject ApplyOne(JsonObject root, MetadataOp operation)
    {
        switch (operation.Kind)
        {
            case MetadataOpKind.Replace:
                return ParseObject(operation.ValueJson, "The replacing metadata");
            case MetadataOpKind.Set:
                root[KeyOf(operation)] = Value(operation);
                return root;
            case MetadataOpKind.Delete:
                root.Remove(KeyOf(operation));
                return root;
            case MetadataOpKind.Append:
            {
                var key = KeyOf(operation);
                switch (root[key])
                {
                    case JsonArray existing:
                        existing.Add(Value(operation));
                        break;
                    case null:
                        root[key] = new JsonArray(Value(operation));
                        break;
                    case var single:
                        root[key] = new JsonArray(single.DeepClone(), Value(operation));
                        break;
                }

                return root;
            }

            case MetadataOpKind.Remove:
            {
                var key = KeyOf(operation);
                if (root[key] is JsonArray array)
                {
                    var value = Value(operation);
                    foreach (var element in array.Where(e => JsonNode.DeepEquals(e, value)).ToList())
                    {
                        array.Remove(element);
                    }
                }

                return root;
            }

            case MetadataOpKind.Increment:
            {
                var key = KeyOf(operation);
                if (!double.IsFinite(operation.Amount))
                {
                    throw new InvalidRequestException($"Cannot increment metadata key '{key}' by {operation.Amount}; give a finite number.", "amount");
                }

                var current = root[key] switch
                {
                    null => 0d,
                    JsonValue number when number.TryGetValue<double>(out var d) => d,
                    var other => throw new InvalidRequestException(
                        $"Cannot increment metadata key '{key}': it holds {other.ToJsonString()}, not a number.", "key"),
                };
                root[key] = current + operation.Amount;
                return root;
            }

            default:
                throw new InvalidRequestException($"{operation.Kind} is not a metadata operation.", "operation");
        }
    }

    private static string KeyOf(MetadataOp operation) =>
        string.IsNullOrEmpty(operation.Key) ? throw new InvalidRequestException($"A metadata {operation.Kind} needs a key.", "key") : operation.Key;

    private static JsonNode? Value(MetadataOp operation)
    {
        try
        {
            return JsonNode.Parse(operation.ValueJson ?? "null");
        }
        catch (JsonException exception)
        {
            throw new InvalidRequestException($"The value for metadata key '{operation.Key}' is not JSON: {exception.Message}", "value");
        }
    }

    private static JsonObject ParseObject(string? json, string what)
    {
        try
        {
            return JsonNode.Parse(json ?? "null") as JsonObject
                ?? throw new InvalidRequestException($"{what} must be a JSON object; it is {json ?? "null"}.", "metadata");
        }
        catch (JsonException exception)
        {
            throw new InvalidRequestException($"{what} is not JSON: {exception.Message}", "metadata");
        }
    }
}
