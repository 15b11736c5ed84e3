using System.Globalization;

namespace OrleansTasks.Bench;

/// <summary>The command line: a scenario name, then <c>--name value</c> pairs.</summary>
internal sealed class BenchArguments
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    private BenchArguments(string scenario)
    {
        Scenario = scenario;
    }

    public string Scenario { get; }

    public static BenchArguments Parse(string[] args)
    {
        if (args.Length == 0 || args[0].StartsWith("--", StringComparison.Ordinal))
        {
            throw new ArgumentException("Usage: bench <scenario> [--runs N] [--postgres \"<connection string>\"] [--concurrency N]. Scenarios: throughput, waits, child, queue, list.");
        }

        var parsed = new BenchArguments(args[0]);
        for (var i = 1; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"Expected --name value pairs after the scenario; '{args[i]}' has no value.");
            }

            parsed._values[args[i][2..]] = args[i + 1];
        }

        return parsed;
    }

    public string? Get(string name) => _values.GetValueOrDefault(name);

    public int GetInt(string name, int fallback)
    {
        if (!_values.TryGetValue(name, out var text))
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"--{name} must be a positive whole number; got '{text}'.");
    }
}
