using OrleansTasks.Bench;

// dotnet run -c Release --project bench -- throughput --runs N [--postgres "<connection string>"] [--concurrency N]
// The last line printed is the result.
try
{
    var arguments = BenchArguments.Parse(args);
    var result = arguments.Scenario switch
    {
        "throughput" => await ThroughputScenario.RunAsync(arguments),
        _ => throw new ArgumentException($"Unknown scenario '{arguments.Scenario}'; the scenarios are: throughput."),
    };
    Console.WriteLine(result);
    return 0;
}
catch (ArgumentException exception)
{
    Console.Error.WriteLine(exception.Message);
    return 2;
}
