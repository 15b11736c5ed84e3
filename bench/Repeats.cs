using System.Globalization;

namespace OrleansTasks.Bench;

/// <summary>
/// <c>--repeat N</c>: runs a scenario N times in a row (each starts its own silo), prints each result line, and returns
/// one more line with the median of every numeric field. Figures are comparable only within one sitting on one server:
/// alternate the builds being compared, on the same database.
/// </summary>
internal static class Repeats
{
    public static async Task<string> RunAsync(int times, Func<Task<string>> scenario)
    {
        if (times < 1)
        {
            throw new ArgumentException($"--repeat must be at least 1; it was {times}.");
        }

        if (times == 1)
        {
            return await scenario();
        }

        var lines = new List<string>();
        for (var i = 1; i <= times; i++)
        {
            var line = await scenario();
            Console.WriteLine($"repeat {i}/{times}: {line}");
            lines.Add(line);
        }

        return Median(lines);
    }

    /// <summary>
    /// "child runs=5000 p50=19.9" lines in, "child median_of=3 runs=5000 p50=…" out: each numeric field's median, other
    /// fields as the first line has them.
    /// </summary>
    internal static string Median(IReadOnlyList<string> lines)
    {
        var parsed = lines.Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        var first = parsed[0];
        var fields = new List<string> { first[0], $"median_of={lines.Count}" };
        foreach (var field in first.Skip(1))
        {
            var name = field.Split('=', 2)[0];
            var values = parsed
                .Select(words => words.FirstOrDefault(w => w.StartsWith(name + "=", StringComparison.Ordinal)))
                .Select(w => w is not null && double.TryParse(w[(name.Length + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : (double?)null)
                .ToList();
            if (!field.Contains('=', StringComparison.Ordinal) || values.Any(v => v is null))
            {
                fields.Add(field);
                continue;
            }

            var sorted = values.Select(v => v!.Value).Order().ToList();
            var median = sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
            var decimals = field.Split('=', 2)[1].Split('.') is { Length: 2 } parts ? parts[1].Length : 0;
            fields.Add($"{name}={median.ToString("F" + decimals, CultureInfo.InvariantCulture)}");
        }

        return string.Join(' ', fields);
    }
}
