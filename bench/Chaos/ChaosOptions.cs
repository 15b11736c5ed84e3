namespace OrleansTasks.Bench.Chaos;

/// <summary>The chaos scenario's command line.</summary>
internal sealed record ChaosOptions
{
    /// <summary>How long runs are triggered (and silos killed): <c>--minutes</c>, a positive decimal. Default: 1.</summary>
    public required TimeSpan Duration { get; init; }

    /// <summary>How many silos run at once (one fewer for a moment after each kill): <c>--silos</c>. Default: 3.</summary>
    public required int Silos { get; init; }

    /// <summary>How often a silo is killed: <c>--kill-every</c> seconds. Default: 10.</summary>
    public required TimeSpan KillEvery { get; init; }

    /// <summary>How long after a killed silo exited its replacement starts: <c>--restart-after</c> seconds. Default: 2.</summary>
    public required TimeSpan RestartAfter { get; init; }

    /// <summary>Runs triggered per second: <c>--rate</c>. Default: 20.</summary>
    public required double Rate { get; init; }

    /// <summary>Stop silos with SIGTERM (graceful) instead of SIGKILL: the flag <c>--sigterm</c>.</summary>
    public required bool Sigterm { get; init; }

    /// <summary>The PostgreSQL server (<c>--postgres</c>, required); the scenario creates and drops its own database there.</summary>
    public required string Postgres { get; init; }

    public string Mode => Sigterm ? "sigterm" : "sigkill";

    /// <exception cref="ArgumentException">An option is missing or out of range; the message names it.</exception>
    public static ChaosOptions Parse(BenchArguments arguments) => new()
    {
        Duration = TimeSpan.FromMinutes(arguments.GetPositiveDouble("minutes", 1)),
        Silos = arguments.GetInt("silos", 3),
        KillEvery = TimeSpan.FromSeconds(arguments.GetPositiveDouble("kill-every", 10)),
        RestartAfter = TimeSpan.FromSeconds(arguments.GetPositiveDouble("restart-after", 2)),
        Rate = arguments.GetPositiveDouble("rate", 20),
        Sigterm = arguments.GetFlag("sigterm"),
        Postgres = arguments.GetRequired("postgres", "the chaos scenario runs real silo processes on PostgreSQL (e.g. --postgres \"Host=127.0.0.1;Port=5432;Username=postgres;Database=postgres\")."),
    };
}
