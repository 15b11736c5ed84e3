using System.Text.Json;
using OrleansTasks.Web.Errors;
using OrleansTasks.Web.Wire;
using static OrleansTasks.Web.Wire.JsonFields;

namespace OrleansTasks.Web.Tasks;

/// <summary>
/// Reads Trigger.dev's trigger body (<c>{"payload": …, "options": {…}}</c>) into a payload and
/// <see cref="TriggerOptions"/>. Each field is checked by name, so a wrong one is an error that names it; the engine
/// checks the values (tag count and length, limits) when it triggers.
/// </summary>
internal static class TriggerRequestReader
{
    public static (string PayloadJson, TriggerOptions Options) Read(JsonElement body, DateTimeOffset now, string prefix = "")
    {
        if (body.ValueKind != JsonValueKind.Object)
        {
            throw ApiException.BadRequest($"The request body must be a JSON object with 'payload' and 'options'; it is {body.ValueKind}.");
        }

        var options = body.TryGetProperty("options", out var o) && o.ValueKind != JsonValueKind.Null ? o : default;
        if (options.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Object))
        {
            throw ApiException.BadRequest($"'{prefix}options' must be an object; it is {options.ValueKind}.");
        }

        var payloadJson = body.TryGetProperty("payload", out var payload) ? ReadPayload(payload, options, prefix) : "null";
        return (payloadJson, ReadOptions(options, now, prefix + "options."));
    }

    /// <summary>A payload as JSON: a packet string typed by <c>payloadType</c> in <paramref name="options"/>, or plain JSON.</summary>
    public static string ReadPayload(JsonElement payload, JsonElement options, string prefix)
    {
        var payloadType = String(options, "payloadType", prefix);
        return payload.ValueKind switch
        {
            JsonValueKind.String => Packets.ToJson(payload.GetString(), payloadType, prefix + "payload"),
            JsonValueKind.Undefined or JsonValueKind.Null => "null",
            _ when payloadType is null or Packets.Json => payload.GetRawText(),
            _ => throw ApiException.BadRequest($"'{prefix}payload' must be a string when 'payloadType' is {payloadType}."),
        };
    }

    /// <summary>Trigger.dev's trigger options; <paramref name="prefix"/> is put before a field's name in errors.</summary>
    public static TriggerOptions ReadOptions(JsonElement options, DateTimeOffset now, string prefix)
    {
        if (options.ValueKind == JsonValueKind.Undefined)
        {
            return new TriggerOptions();
        }

        var keyOptions = Property(options, "idempotencyKeyOptions");
        return new TriggerOptions
        {
            Tags = Strings(options, "tags", prefix),
            Queue = Property(options, "queue") is { ValueKind: JsonValueKind.Object } queue ? String(queue, "name", prefix + "queue.") : String(options, "queue", prefix),
            ConcurrencyKey = String(options, "concurrencyKey", prefix),

            // The SDK sends the key hashed and the key as given in idempotencyKeyOptions; the engine hashes it itself.
            IdempotencyKey = String(keyOptions, "key", prefix + "idempotencyKeyOptions.") ?? String(options, "idempotencyKey", prefix),
            IdempotencyKeyTtl = Property(options, "idempotencyKeyTTL") is { ValueKind: not JsonValueKind.Undefined } keyTtl ? Durations.Parse(keyTtl, prefix + "idempotencyKeyTTL", secondsAllowed: true) : null,
            DelayUntil = Property(options, "delay") is { ValueKind: not JsonValueKind.Undefined } delay ? Durations.ParseDelay(delay, prefix + "delay", now) : null,
            Ttl = Property(options, "ttl") is { ValueKind: not JsonValueKind.Undefined } ttl ? Durations.Parse(ttl, prefix + "ttl", secondsAllowed: true) : null,
            MaxAttempts = Int(options, "maxAttempts", prefix),
            MaxDuration = Int(options, "maxDuration", prefix) is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
            Priority = Int(options, "priority", prefix),
            Machine = String(options, "machine", prefix) is { } machine ? Machine(machine, prefix) : null,
            MetadataJson = Property(options, "metadata") is { ValueKind: JsonValueKind.Object } metadata ? metadata.GetRawText() : null,
        };
    }

    private static MachinePreset Machine(string name, string prefix)
    {
        try
        {
            return MachinePresetNames.Parse(name);
        }
        catch (ArgumentException)
        {
            throw ApiException.BadRequest($"'{prefix}machine' is '{name}'; it must be one of micro, small-1x, small-2x, medium-1x, medium-2x, large-1x, large-2x.");
        }
    }
}
