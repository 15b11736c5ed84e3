using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;

namespace OrleansTasks.Web.Wire;

/// <summary>
/// How the API writes JSON: camelCase, and absent values left out (Trigger.dev's SDK refuses a null where a field is
/// optional). Its own options, so the host's other endpoints keep theirs.
/// </summary>
internal static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static JsonHttpResult<T> Ok<T>(T value) => TypedResults.Json(value, Options);
}
