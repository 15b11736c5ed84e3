using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace OrleansTasks.Bench.Realtime;

/// <summary>
/// The benchmark's subscriber process (<c>bench realtime-reader</c>), started by <see cref="RealtimeScenario"/>: it
/// connects to the silo through its gateway, subscribes, prints <c>READY</c>, and prints its result line when done.
/// </summary>
internal sealed class RealtimeReaderProcess : IAsyncDisposable
{
    public const string Scenario = "realtime-reader";

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _go = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<string> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private RealtimeReaderProcess(Process process)
    {
        _process = process;
    }

    public static async Task<RealtimeReaderProcess> StartAsync(BenchCluster cluster, string? connectionString, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo("dotnet", [typeof(RealtimeScenario).Assembly.Location, Scenario, .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["BENCH_SERVICE_ID"] = cluster.ServiceId;
        start.Environment["BENCH_GATEWAY_PORT"] = cluster.GatewayPort.ToString(CultureInfo.InvariantCulture);
        start.Environment["BENCH_POSTGRES"] = connectionString ?? "";
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var reader = new RealtimeReaderProcess(process);
        process.OutputDataReceived += (_, e) => reader.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => reader.OnOutput(e.Data);
        process.Exited += (_, _) =>
        {
            var failure = new InvalidOperationException($"The reader process exited ({process.ExitCode}):{Environment.NewLine}{string.Join(Environment.NewLine, reader._output)}");
            reader._ready.TrySetException(failure);
            reader._go.TrySetException(failure);
            reader._result.TrySetException(failure);
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await reader._ready.Task.WaitAsync(TimeSpan.FromMinutes(2));
        return reader;
    }

    public Task<string> ResultAsync(TimeSpan limit) => _result.Task.WaitAsync(limit);

    /// <summary>Completes when the reader has warmed up and is reading what is measured (it prints <c>GO</c>).</summary>
    public Task GoAsync(TimeSpan limit) => _go.Task.WaitAsync(limit);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        if (line == "READY")
        {
            _ready.TrySetResult();
        }
        else if (line == "GO")
        {
            _go.TrySetResult();
        }
        else if (line.StartsWith("realtime ", StringComparison.Ordinal) || line.StartsWith("stream ", StringComparison.Ordinal))
        {
            _result.TrySetResult(line);
        }
    }
}
