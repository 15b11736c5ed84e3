using OrleansTasks.Bench;
using OrleansTasks.Bench.Chaos;
using OrleansTasks.Bench.Realtime;

// dotnet run -c Release --project bench -- throughput --runs N [--postgres "<connection string>"] [--concurrency N] [--prefill ROWS] [--hangfire N]
// dotnet run -c Release --project bench -- hangfire --runs N [--workers W] [--concurrency N] --postgres "<connection string>"
// dotnet run -c Release --project bench -- waits --runs N --wait-seconds W [--postgres "<connection string>"]
// dotnet run -c Release --project bench -- child --runs N [--postgres "<connection string>"]
// dotnet run -c Release --project bench -- queue --runs N --keys K --limit L [--postgres "<connection string>"] [--hold-ms H]
// dotnet run -c Release --project bench -- list --rows N --postgres "<connection string>" [--repetitions N] [--fill no]
// dotnet run -c Release --project bench -- dashboard --rows N --postgres "<connection string>" [--repetitions N] [--fill no]
// dotnet run -c Release --project bench -- realtime [--runs N] [--progress P] [--subscribers S] [--concurrency N] [--chunks N] [--chunk-rate R] [--stream-runs R] [--readers S] [--postgres "<connection string>"]
// dotnet run -c Release --project bench -- schedules --count S --minutes M [--idle I] [--environment-limit L] --postgres "<connection string>"
// dotnet run -c Release --project bench -- chaos --minutes M --silos 3 --kill-every S [--restart-after S] [--rate R] [--sigterm] --postgres "<connection string>"
// throughput, hangfire, waits, child and queue take --repeat N: each run's line, then a line of the medians.
// The last line printed is the result. The exit code is 0, or 1 when the scenario found violations (chaos), 2 for a
// bad command line, 130 when interrupted.
try
{
    if (args.Length > 0 && args[0] == RealtimeReaderProcess.Scenario)
    {
        // Not a scenario: the subscriber process of the realtime scenario, started by it.
        await RealtimeReader.RunAsync(args[1..]);
        return 0;
    }

    var arguments = BenchArguments.Parse(args);
    if (arguments.Scenario == ChaosSilo.Scenario)
    {
        // Not a scenario: one silo process of the chaos scenario, started by it.
        await ChaosSilo.RunAsync();
        return 0;
    }

    var repeat = arguments.GetInt("repeat", 1);
    var (result, passed) = arguments.Scenario switch
    {
        "throughput" => (await Repeats.RunAsync(repeat, () => ThroughputScenario.RunAsync(arguments)), true),
        "hangfire" => (await Repeats.RunAsync(repeat, () => HangfireScenario.RunAsync(arguments)), true),
        "waits" => (await Repeats.RunAsync(repeat, () => WaitsScenario.RunAsync(arguments)), true),
        "child" => (await Repeats.RunAsync(repeat, () => ChildScenario.RunAsync(arguments)), true),
        "queue" => (await Repeats.RunAsync(repeat, () => QueueScenario.RunAsync(arguments)), true),
        "list" => (await ListScenario.RunAsync(arguments), true),
        "dashboard" => (await DashboardScenario.RunAsync(arguments), true),
        "realtime" => (await RealtimeScenario.RunAsync(arguments), true),
        "schedules" => (await SchedulesScenario.RunAsync(arguments), true),
        "chaos" => await ChaosScenario.RunAsync(arguments),
        _ => throw new ArgumentException($"Unknown scenario '{arguments.Scenario}'; the scenarios are: throughput, hangfire, waits, child, queue, list, realtime, schedules, chaos."),
    };
    Console.WriteLine(result);
    return passed ? 0 : 1;
}
catch (ArgumentException exception)
{
    Console.Error.WriteLine(exception.Message);
    return 2;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("Interrupted.");
    return 130;
}
