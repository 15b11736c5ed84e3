using OrleansTasks.Web.Dashboard.Shared;

namespace OrleansTasks.Web.Dashboard.Tasks;

/// <summary>The Test page's trigger options, from its text fields; each field that cannot be read is one problem.</summary>
internal static class TestOptions
{
    public static TriggerOptions Parse(string? tags, string? delay, string? idempotencyKey, string? queue, string? machine, List<string> problems)
    {
        TimeSpan? wait = null;
        if (!string.IsNullOrWhiteSpace(delay))
        {
            if (Wire.Durations.TryParse(delay, out var parsed))
            {
                wait = parsed;
            }
            else
            {
                problems.Add($"Delay: '{delay.Trim()}' is not a delay; write it like 30s, 5m, 1h30m or 2d.");
            }
        }

        MachinePreset? preset = null;
        if (!string.IsNullOrWhiteSpace(machine))
        {
            if (Enum.TryParse<MachinePreset>(machine, ignoreCase: true, out var named))
            {
                preset = named;
            }
            else
            {
                problems.Add($"Machine: '{machine}' is not a machine preset.");
            }
        }

        return new TriggerOptions
        {
            Tags = FormText.Value(tags) is { } list ? [.. list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)] : null,
            Delay = wait,
            IdempotencyKey = FormText.Value(idempotencyKey),
            Queue = FormText.Value(queue),
            Machine = preset,
        };
    }
}
