using OrleansTasks.Bench;

// dotnet run -c Release --project bench -- throughput --runs N [--postgres "<connection string>"] [--concurrency N]
// dotnet run -c Release --project bench -- waits --runs N --wait-seconds W [--postgres "<connection string>"]
// dotnet run -c Release --project bench -- child --runs N [--postgres "<connection string>"]
// dotnet run -c Release --project bench -- queue --runs N --keys K --limit L [--postgres "<connection string>"] [--hold-ms H]
// dotnet run -c Release --project bench -- list --rows N --postgres "<connection string>" [--repetitions N] [--fill no]
// The last line printed is the result.
try
{
    var arguments = BenchArguments.Parse(args);
    var result = arguments.Scenario switch
    {
        "throughput" => await ThroughputScenario.RunAsync(arguments),
        "waits" => await WaitsScenario.RunAsync(arguments),
        "child" => await ChildScenario.RunAsync(arguments),
        "queue" => await QueueScenario.RunAsync(arguments),
        "list" => await ListScenario.RunAsync(arguments),
        _ => throw new ArgumentException($"Unknown scenario '{arguments.Scenario}'; the scenarios are: throughput, waits, child, queue, list."),
    };
    Console.WriteLine(result);
    return 0;
}
catch (ArgumentException exception)
{
    Console.Error.WriteLine(exception.Message);
    return 2;
}
