using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace OrleansTasks.Tests.Infrastructure;

/// <summary>
/// A real silo in its own process (tests/TestSilo), on PostgreSQL, for behaviour that crosses a process boundary:
/// restarts, silos killed mid-attempt, limits shared by silos. Membership timings are short so a killed silo is
/// declared dead in seconds.
/// </summary>
public sealed partial class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SiloProcess(Process process, int siloPort, int gatewayPort)
    {
        _process = process;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
    }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>The silo's process id.</summary>
    public int Pid => _process.Id;

    /// <summary>What the silo wrote, for diagnosing a failed test.</summary>
    public string Output => string.Join(Environment.NewLine, _output);

    /// <summary>True if <paramref name="siloAddress"/> (as recorded on an attempt) is this silo.</summary>
    public bool Is(string siloAddress) => siloAddress.Contains($":{SiloPort}@", StringComparison.Ordinal);

    /// <param name="program">The silo program to run: the test silo (tests/TestSilo) unless told, or <see cref="ProductSiloPath"/>.</param>
    public static async Task<SiloProcess> StartAsync(string connectionString, string serviceId, IDictionary<string, string>? settings = null, string? program = null)
    {
        var siloPort = FreePort();
        var gatewayPort = FreePort();
        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__OrleansTasks"] = connectionString,
            ["Orleans__ServiceId"] = serviceId,
            ["Orleans__ClusterId"] = serviceId,
            ["Orleans__SiloPort"] = siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans__Membership__ProbeTimeout"] = "00:00:01",
            ["Orleans__Membership__NumMissedProbesLimit"] = "2",
            ["Orleans__Membership__NumVotesForDeathDeclaration"] = "1",
            ["Orleans__Membership__IAmAliveTablePublishTimeout"] = "00:00:02",
            ["Orleans__Membership__NumMissedTableIAmAliveLimit"] = "2",
            ["Orleans__Membership__TableRefreshTimeout"] = "00:00:02",
            ["OrleansTasks__SupervisorInterval"] = "00:00:01",
            ["DOTNET_gcServer"] = "0",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        var silo = Launch(program ?? TestSiloPath, environment, siloPort, gatewayPort);
        await silo._ready.Task.Within(TimeSpan.FromSeconds(90), $"silo on port {siloPort} to start");
        return silo;
    }

    /// <summary>
    /// Starts <paramref name="program"/> with exactly <paramref name="environment"/> (and nothing the tests add), as a
    /// pod's container would be; returns at once. The caller says when it is ready (by probing it, as a kubelet does).
    /// </summary>
    public static SiloProcess StartWithEnvironment(string program, IDictionary<string, string> environment, int siloPort, int gatewayPort) =>
        Launch(program, environment, siloPort, gatewayPort);

    private static SiloProcess Launch(string program, IDictionary<string, string> environment, int siloPort, int gatewayPort)
    {
        var start = new ProcessStartInfo("dotnet", [program])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var silo = new SiloProcess(process, siloPort, gatewayPort);
        process.OutputDataReceived += (_, e) => silo.OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => silo.OnOutput(e.Data);
        process.Exited += (_, _) => silo._ready.TrySetException(new InvalidOperationException($"The silo exited before it was ready:{Environment.NewLine}{silo.Output}"));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return silo;
    }

    /// <summary>SIGTERM without waiting: the caller watches the silo stop.</summary>
    public void Terminate()
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            kill.WaitForExit();
        }
    }

    /// <summary>Completes when the process has exited.</summary>
    public Task ExitedAsync() => _process.WaitForExitAsync();

    /// <summary>SIGKILL: the silo dies mid-whatever, with no chance to clean up.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    /// <summary>SIGTERM, as Kubernetes stops a pod: the silo shuts down gracefully. Returns once it has exited.</summary>
    public async Task StopAsync()
    {
        Terminate();
        await _process.WaitForExitAsync().Within(TimeSpan.FromSeconds(60), $"silo on port {SiloPort} to stop");
    }

    /// <summary>The line a stopping silo logs when its drain is over (<c>Drained in 3.4 s: …</c>); null if it logged none.</summary>
    public string? DrainReport => DrainedLine().Match(Output) is { Success: true } line ? line.Value : null;

    [System.Text.RegularExpressions.GeneratedRegex(@"Drained in [0-9.]+ s: \d+ of \d+ attempts finished here; \d+ still running are handed over")]
    private static partial System.Text.RegularExpressions.Regex DrainedLine();

    public async ValueTask DisposeAsync()
    {
        Kill();
        await Task.CompletedTask;
        _process.Dispose();
    }

    private void OnOutput(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > 2000 && _output.TryDequeue(out _))
        {
        }

        // The test silo prints READY; the product silo (a web host) logs that its application started.
        if (line.Trim() == "READY" || line.TrimStart().StartsWith("Application started.", StringComparison.Ordinal))
        {
            _ready.TrySetResult();
        }
    }

    private static string TestSiloPath => BuiltProgram(Path.Combine("tests", "TestSilo"), "OrleansTasks.TestSilo.dll");

    /// <summary>The product's silo host (Silo/: the sample tasks, the HTTP API and the dashboard), as README runs it.</summary>
    public static string ProductSiloPath => BuiltProgram("Silo", "OrleansTasks.Silo.dll");

    /// <summary>A program built beside the tests: tests/OrleansTasks.Tests/bin/&lt;Configuration&gt;/net10.0/ → &lt;project&gt;/bin/&lt;Configuration&gt;/net10.0/.</summary>
    private static string BuiltProgram(string project, string dll)
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = output.Name;
        var configuration = output.Parent!.Name;
        var root = output.Parent.Parent!.Parent!.Parent!.Parent!.FullName;
        var path = Path.Combine(root, project, "bin", configuration, framework, dll);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{dll} is not built at {path}.");
    }

    /// <summary>
    /// A port no silo of this test run has had: each is handed out once, from below Linux's ephemeral range (so no
    /// outgoing connection holds it), and checked free. Orleans listens with SO_REUSEPORT, so a port taken from the OS
    /// (bind 0, release) could be one a just-killed silo's cluster still dials, and a new silo there would answer it.
    /// </summary>
    internal static int FreePort()
    {
        lock (s_portLock)
        {
            while (true)
            {
                var port = s_nextPort++;
                if (s_nextPort > LastPort)
                {
                    s_nextPort = FirstPort;
                }

                try
                {
                    using var listener = new TcpListener(IPAddress.Loopback, port);
                    listener.Start();
                    return port;
                }
                catch (SocketException)
                {
                    // Taken by something else: the next one.
                }
            }
        }
    }

    private const int FirstPort = 20000;
    private const int LastPort = 32000;
    private static readonly Lock s_portLock = new();
    private static int s_nextPort = FirstPort + Random.Shared.Next(LastPort - FirstPort);
}
