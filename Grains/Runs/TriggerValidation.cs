using System.Text;
using System.Text.Json;

namespace OrleansTasks.Runs;

/// <summary>The checks a trigger must pass before a run is created.</summary>
internal static class TriggerValidation
{
    /// <exception cref="PayloadTooLargeException">The payload is over <see cref="TaskLimits.MaxPayloadBytes"/>.</exception>
    /// <exception cref="InvalidTriggerException">The payload is not JSON, or an option is out of range.</exception>
    public static void Validate(string taskId, string payloadJson, TriggerOptions options, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(payloadJson);
        var size = Encoding.UTF8.GetByteCount(payloadJson);
        if (size > TaskLimits.MaxPayloadBytes)
        {
            throw new PayloadTooLargeException(taskId, size, TaskLimits.MaxPayloadBytes);
        }

        try
        {
            using var _ = JsonDocument.Parse(payloadJson);
        }
        catch (JsonException exception)
        {
            throw new InvalidTriggerException(taskId, $"the payload is not valid JSON ({exception.Message}).");
        }

        ValidateOptions(taskId, options);
        if (options.MetadataJson is { } metadata)
        {
            try
            {
                Metadata.MetadataDocument.CheckWhole(metadata);
            }
            catch (OrleansTasksException exception) when (exception is InvalidRequestException or MetadataTooLargeException)
            {
                throw new InvalidTriggerException(taskId, $"MetadataJson: {exception.Message}");
            }
        }

        if (options.DelayUntil is { } until && until - now > TaskLimits.MaxDelay)
        {
            throw new InvalidTriggerException(taskId, $"DelayUntil is {until:O}, more than {TaskLimits.MaxDelay.TotalDays:N0} days away; a run may be delayed at most that long.");
        }
    }

    public static void ValidateOptions(string taskId, TriggerOptions options)
    {
        if (options.Tags is { } tags && TaskLimits.TagProblem(tags) is { } tagProblem)
        {
            throw new InvalidTriggerException(taskId, $"a run's tags: {tagProblem}.");
        }

        if (options.MaxAttempts is < 1)
        {
            throw new InvalidTriggerException(taskId, $"MaxAttempts is {options.MaxAttempts}; it must be at least 1.");
        }

        if (options.MaxDuration is { } maxDuration && maxDuration < TaskLimits.MinMaxDuration)
        {
            throw new InvalidTriggerException(taskId, $"MaxDuration is {maxDuration}; it must be at least {TaskLimits.MinMaxDuration.TotalSeconds} seconds.");
        }

        if (options.Machine is { } machine && !Enum.IsDefined(machine))
        {
            throw new InvalidTriggerException(taskId, $"Machine is {(int)machine}, which is not a machine preset.");
        }

        if (options.Queue is { } queue && (string.IsNullOrWhiteSpace(queue) || queue.Length > QueueOptions.MaxNameLength))
        {
            throw new InvalidTriggerException(taskId, $"Queue must be 1 to {QueueOptions.MaxNameLength} characters and not blank; '{Shorten(queue)}' is {queue.Length}.");
        }

        if (options.ConcurrencyKey is { } key && (key.Length == 0 || key.Length > MaxConcurrencyKeyLength))
        {
            throw new InvalidTriggerException(taskId, $"ConcurrencyKey must be 1 to {MaxConcurrencyKeyLength} characters; it is {key.Length}.");
        }

        if (options.Priority is < 0 or > MaxPrioritySeconds)
        {
            throw new InvalidTriggerException(taskId, $"Priority is {options.Priority}; it must be between 0 and {MaxPrioritySeconds:N0} seconds (30 days).");
        }

        if (options.Delay is not null && options.DelayUntil is not null)
        {
            throw new InvalidTriggerException(taskId, "both Delay and DelayUntil are set; give one of them.");
        }

        if (options.Delay is { } delay && (delay < TimeSpan.Zero || delay > TaskLimits.MaxDelay))
        {
            throw new InvalidTriggerException(taskId, $"Delay is {delay}; it must be between 0 and {TaskLimits.MaxDelay.TotalDays:N0} days.");
        }

        if (options.Ttl is { } ttl && ttl != TimeSpan.Zero && ttl < TimeSpan.FromSeconds(1))
        {
            throw new InvalidTriggerException(taskId, $"Ttl is {ttl}; it must be at least 1 second, or zero for none.");
        }

        if (options.IdempotencyKey is { } idempotencyKey && (idempotencyKey.Length == 0 || idempotencyKey.Length > IdempotencyKeys.MaxKeyLength))
        {
            throw new InvalidTriggerException(taskId, $"IdempotencyKey must be 1 to {IdempotencyKeys.MaxKeyLength:N0} characters; it is {idempotencyKey.Length:N0}.");
        }

        if (options.IdempotencyKeyTtl is { } keyTtl && keyTtl < TimeSpan.FromSeconds(1))
        {
            throw new InvalidTriggerException(taskId, $"IdempotencyKeyTtl is {keyTtl}; it must be at least 1 second.");
        }

        if (options.IdempotencyKeyScope is { } scope && !Enum.IsDefined(scope))
        {
            throw new InvalidTriggerException(taskId, $"IdempotencyKeyScope is {(int)scope}, which is not a scope.");
        }

        if (options.Debounce is { } debounce)
        {
            if (string.IsNullOrEmpty(debounce.Key) || debounce.Key.Length > DebounceOptions.MaxKeyLength)
            {
                throw new InvalidTriggerException(taskId, $"Debounce.Key must be 1 to {DebounceOptions.MaxKeyLength} characters; it is {debounce.Key?.Length ?? 0}.");
            }

            if (debounce.Delay < TimeSpan.FromSeconds(1) || debounce.Delay > TaskLimits.MaxDelay)
            {
                throw new InvalidTriggerException(taskId, $"Debounce.Delay is {debounce.Delay}; it must be between 1 second and {TaskLimits.MaxDelay.TotalDays:N0} days.");
            }

            if (debounce.MaxDelay is { } maxDelay && maxDelay < debounce.Delay)
            {
                throw new InvalidTriggerException(taskId, $"Debounce.MaxDelay is {maxDelay}; it must be at least Debounce.Delay ({debounce.Delay}).");
            }

            if (!Enum.IsDefined(debounce.Mode))
            {
                throw new InvalidTriggerException(taskId, $"Debounce.Mode is {(int)debounce.Mode}, which is not a mode.");
            }
        }
    }

    private const int MaxConcurrencyKeyLength = 1024;
    private const int MaxPrioritySeconds = 30 * 24 * 3600;

    private static string Shorten(string? tag) => tag is null ? "" : tag.Length <= 40 ? tag : tag[..40] + "…";
}
