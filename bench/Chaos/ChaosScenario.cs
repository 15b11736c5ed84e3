using System.Diagnostics;

namespace OrleansTasks.Bench.Chaos;

/// <summary>
/// <c>bench chaos</c>: real silo processes on a fresh PostgreSQL database, runs triggered at a steady rate while a
/// random silo is killed (SIGKILL, or SIGTERM with <c>--sigterm</c>) every few seconds and replaced, then a check that
/// every run completed once, every child was triggered once, no step repeated and no attempt was failed by the
/// infrastructure. Progress and violations go to stderr; the result line is the last line on stdout.
/// </summary>
internal static class ChaosScenario
{
    private const int ViolationsShown = 20;

    /// <summary>Runs the scenario; returns the result line, and whether it found no violation.</summary>
    /// <exception cref="ArgumentException">An option is missing or out of range.</exception>
    /// <exception cref="OperationCanceledException">Interrupted by a signal; everything was cleaned up.</exception>
    public static async Task<(string Result, bool Passed)> RunAsync(BenchArguments arguments)
    {
        var options = ChaosOptions.Parse(arguments);
        var log = Console.Error;
        var clock = Stopwatch.StartNew();
        using var interrupted = new CancellationTokenSource();
        var cancellationToken = interrupted.Token;

        // Disposed in reverse order: the client, then every silo process, then the database.
        await using var database = await ChaosDatabase.CreateAsync(options.Postgres, cancellationToken).ConfigureAwait(false);
        await using var cluster = new ChaosCluster(database.ConnectionString, log, clock);
        using var signals = new ChaosSignals(cluster, interrupted);
        log.WriteLine($"chaos: database {database.Name}, service {cluster.ServiceId}, mode {options.Mode}; starting {options.Silos} silos");
        await cluster.StartAsync(options.Silos, cancellationToken).ConfigureAwait(false);
        await using var client = await ChaosClient.ConnectAsync(database.ConnectionString, cluster.ServiceId, cancellationToken).ConfigureAwait(false);

        // A realtime subscriber follows every run from before the first trigger (see ChaosWatcher).
        await using var watcher = new ChaosWatcher(client.Tasks, log);
        watcher.Start(DateTimeOffset.UtcNow.AddMinutes(-1));

        // Every-minute schedules, made before the first kill: each of their occurrences must make exactly one run.
        var schedules = new ChaosSchedules(client.Tasks, cluster.ServiceId);
        await schedules.CreateAsync(cancellationToken).ConfigureAwait(false);

        var load = new ChaosLoad(client.Tasks, options.Rate);
        var triggerPhase = Stopwatch.StartNew();
        using (new Timer(
            _ => log.WriteLine($"chaos t={clock.Elapsed.TotalSeconds:F0}s: {load.Triggered.Count} triggered, {load.InFlight} in flight, {load.Errors.Count} trigger errors, {cluster.Kills.Count} kills, {cluster.LiveCount} live silos"),
            null,
            TimeSpan.FromSeconds(10),
            TimeSpan.FromSeconds(10)))
        {
            // Killing stops with the trigger schedule, not when the last trigger in flight returns.
            using var stopKilling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            stopKilling.CancelAfter(options.Duration);
            var killing = KillAsync(cluster, options, stopKilling.Token, cancellationToken);
            try
            {
                await load.RunAsync(options.Duration, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await stopKilling.CancelAsync().ConfigureAwait(false);
                await killing.ConfigureAwait(false);
            }
        }

        var killsEnded = DateTimeOffset.UtcNow;
        log.WriteLine($"chaos t={clock.Elapsed.TotalSeconds:F0}s: trigger phase over after {triggerPhase.Elapsed.TotalSeconds:F0}s: {load.Triggered.Count} runs, {load.Errors.Count} trigger errors, {cluster.Kills.Count} kills; waiting for replacements");
        await cluster.WaitForReplacementsAsync().ConfigureAwait(false);
        await cluster.EnsureLiveAsync(options.Silos, cancellationToken).ConfigureAwait(false);

        var observed = await new ChaosVerifier(client.Tasks, database.ConnectionString, log)
            .ObserveAsync(load, cluster, options.Sigterm, watcher, schedules.Expected(killsEnded), schedules.ScheduleIds, cancellationToken).ConfigureAwait(false);
        var report = ChaosReport.Judge(observed);
        Explain(report, observed, cluster, log);
        return (report.ResultLine(options, clock.Elapsed), report.Violations.Count == 0);
    }

    /// <summary>Kills a random silo every <c>--kill-every</c> until <paramref name="stop"/> fires; its kill-and-replace flows go on.</summary>
    private static async Task KillAsync(ChaosCluster cluster, ChaosOptions options, CancellationToken stop, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.KillEvery);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                // Replacements follow the scenario's token, not stop: a silo killed just before the end is still replaced.
                cluster.KillRandom(options.Sigterm, options.RestartAfter, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private static void Explain(ChaosReport report, ChaosObservations observed, ChaosCluster cluster, TextWriter log)
    {
        log.WriteLine($"chaos: kills: {string.Join(", ", observed.Kills.Select(k => $"pid {k.Pid} {k.Mode} at {k.At.UtcDateTime:HH:mm:ss.fff}{(k.ExitedAfter is { } after ? $" exited after {after.TotalSeconds:F1}s" : " (forced)")}"))}");
        log.WriteLine($"chaos: {observed.Effects.Count} side-effect rows, {observed.Children.Count} child runs, {observed.Runs.Count} runs read");
        if (observed.TriggerErrors.Count > 0)
        {
            log.WriteLine($"chaos: trigger errors by type: {string.Join(", ", observed.TriggerErrors.GroupBy(e => e.Exception.GetType().Name).Select(g => $"{g.Key}={g.Count()}"))}");
        }

        if (report.Violations.Count > 0)
        {
            log.WriteLine($"chaos: violations by kind: {string.Join(", ", report.Violations.GroupBy(v => v.Kind).Select(g => $"{g.Key}={g.Count()}"))}; the first {Math.Min(ViolationsShown, report.Violations.Count)}, each kind in turn:");
            foreach (var violation in report.Sample(ViolationsShown))
            {
                log.WriteLine(violation);
            }
        }

        // A silo that ended without being killed, or failed to start, is worth its last words.
        foreach (var silo in cluster.Silos.Where(s => s.Kill is null && s.HasExited))
        {
            log.WriteLine($"chaos: {silo} exited on its own (code {silo.ExitCode}); its last lines:{Environment.NewLine}{string.Join(Environment.NewLine, silo.OutputTail(30))}");
        }

        foreach (var failure in cluster.StartFailures)
        {
            log.WriteLine($"chaos: a silo failed to start: {failure}");
        }
    }
}
