using System.Runtime.InteropServices;

namespace OrleansTasks.Bench.Chaos;

/// <summary>
/// Makes sure the silo processes die with the orchestrator: on Ctrl-C, SIGTERM or SIGHUP it kills them at once and
/// cancels the scenario (whose clean-up then drops the database); a second signal ends the process the default way.
/// On process exit and on an unhandled exception it kills them too.
/// </summary>
internal sealed class ChaosSignals : IDisposable
{
    private readonly ChaosCluster _cluster;
    private readonly CancellationTokenSource _interrupted;
    private readonly List<PosixSignalRegistration> _registrations = [];
    private int _signalled;

    public ChaosSignals(ChaosCluster cluster, CancellationTokenSource interrupted)
    {
        _cluster = cluster;
        _interrupted = interrupted;
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP })
        {
            _registrations.Add(PosixSignalRegistration.Create(signal, OnSignal));
        }

        AppDomain.CurrentDomain.ProcessExit += OnExit;
        AppDomain.CurrentDomain.UnhandledException += OnExit;
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        AppDomain.CurrentDomain.ProcessExit -= OnExit;
        AppDomain.CurrentDomain.UnhandledException -= OnExit;
    }

    private void OnSignal(PosixSignalContext context)
    {
        if (Interlocked.Exchange(ref _signalled, 1) == 1)
        {
            return;
        }

        context.Cancel = true;
        Console.Error.WriteLine($"chaos: {context.Signal} received: killing the silos, dropping the database, exiting.");
        // Cancelled first, so that a silo dying mid-start reads as the scenario ending, not as a failed start.
        _interrupted.Cancel();
        _cluster.KillAll();
    }

    private void OnExit(object? sender, EventArgs e) => _cluster.KillAll();
}
