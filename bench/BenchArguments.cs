using System.Globalization;

namespace OrleansTasks.Bench;

/// <summary>
/// The command line: a scenario name, then <c>--name value</c> pairs and <c>--name</c> flags. A name followed by
/// another <c>--name</c> (or by nothing) is a flag; asking for a flag's value, or for a valued option as a flag, is an
/// error that names the option.
/// </summary>
internal sealed class BenchArguments
{
    public const string Usage =
        "Usage: bench <scenario> [--runs N] [--postgres \"<connection string>\"] [--concurrency N] [--repeat N]. Scenarios: throughput, waits, child, queue, list, realtime, schedules, chaos.\n" +
        "       bench chaos --postgres \"<connection string>\" [--minutes M] [--silos N] [--kill-every S] [--restart-after S] [--rate R] [--sigterm]";

    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    private BenchArguments(string scenario)
    {
        Scenario = scenario;
    }

    public string Scenario { get; }

    public static BenchArguments Parse(string[] args)
    {
        if (args.Length == 0 || args[0].StartsWith("--", StringComparison.Ordinal))
        {
            throw new ArgumentException(Usage);
        }

        var parsed = new BenchArguments(args[0]);
        for (var i = 1; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || args[i].Length == 2)
            {
                throw new ArgumentException($"Expected --name value pairs or --flags after the scenario; '{args[i]}' is neither.");
            }

            var name = args[i][2..];
            if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                parsed._values[name] = args[++i];
            }
            else
            {
                parsed._flags.Add(name);
            }
        }

        return parsed;
    }

    /// <summary>The value of <c>--name</c>, or null when it is not given.</summary>
    /// <exception cref="ArgumentException"><c>--name</c> is given without a value.</exception>
    public string? Get(string name) =>
        _flags.Contains(name) ? throw new ArgumentException($"--{name} needs a value.") : _values.GetValueOrDefault(name);

    /// <summary>The value of <c>--name</c>.</summary>
    /// <exception cref="ArgumentException"><c>--name</c> is not given, or has no value.</exception>
    public string GetRequired(string name, string why) =>
        Get(name) ?? throw new ArgumentException($"--{name} is required: {why}");

    /// <summary>True when the flag <c>--name</c> is given.</summary>
    /// <exception cref="ArgumentException"><c>--name</c> is given with a value; a flag takes none.</exception>
    public bool GetFlag(string name) =>
        _values.TryGetValue(name, out var value)
            ? throw new ArgumentException($"--{name} is a flag and takes no value; got '{value}'.")
            : _flags.Contains(name);

    public int GetInt(string name, int fallback)
    {
        if (Get(name) is not { } text)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value
            : throw new ArgumentException($"--{name} must be a positive whole number; got '{text}'.");
    }

    /// <summary>A positive decimal number such as <c>0.5</c> (invariant culture).</summary>
    public double GetPositiveDouble(string name, double fallback)
    {
        if (Get(name) is not { } text)
        {
            return fallback;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0 && double.IsFinite(value)
            ? value
            : throw new ArgumentException($"--{name} must be a positive number such as 1 or 0.5; got '{text}'.");
    }
}
