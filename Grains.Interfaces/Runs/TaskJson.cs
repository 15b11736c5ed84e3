using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansTasks;

/// <summary>
/// The one JSON configuration payloads and outputs are written and read with, on clients and silos alike, so that
/// what a service sends is exactly what a task receives.
/// </summary>
internal static class TaskJson
{
    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            // A payload missing a required value, or with null where the type says it cannot be, is a bad payload,
            // not a run that fails later with a NullReferenceException.
            RespectNullableAnnotations = true,
            RespectRequiredConstructorParameters = true,
        };
        options.Converters.Add(new JsonStringEnumConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
