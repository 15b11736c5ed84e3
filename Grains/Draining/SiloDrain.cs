using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using OrleansTasks.Execution;
using OrleansTasks.Hosting;
using OrleansTasks.Machines;

namespace OrleansTasks.Draining;

/// <summary>
/// A silo's graceful stop, before Orleans' own: on SIGTERM (the host stopping) the silo reports itself not ready at
/// once, withdraws from the machine directory so runs granted a slot here move to another silo instead of starting,
/// and lets the attempts executing here finish for up to <see cref="OrleansTasksOptions.DrainTimeout"/>. Whatever
/// still runs after that is handed over when Orleans deactivates its run grains (suspended, then replayed elsewhere).
/// Runs as a hosted service's <c>StoppingAsync</c>, which the host calls before it stops any service, the silo included.
/// </summary>
internal sealed partial class SiloDrain(
    AttemptExecutor executor,
    IGrainFactory grains,
    ILocalSiloDetails silo,
    TimeProvider time,
    IOptions<OrleansTasksOptions> options,
    ILogger<SiloDrain> logger) : IHostedLifecycleService
{
    /// <summary>
    /// What a stopping silo needs after the drain: its run grains letting steps in flight finish before they hand over
    /// (up to 20 s), leaving the cluster and stopping its providers. The host's shutdown timeout is the drain plus this.
    /// </summary>
    public static readonly TimeSpan AfterDrain = TimeSpan.FromSeconds(35);

    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(100);
    private volatile bool _draining;

    /// <summary>True from the moment the silo began to stop: it is not ready, and starts no attempt.</summary>
    public bool IsDraining => _draining;

    /// <summary>The shutdown timeout a host needs to drain for <paramref name="drainTimeout"/> and then stop.</summary>
    public static TimeSpan ShutdownTimeout(TimeSpan drainTimeout) => drainTimeout + AfterDrain;

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        var started = Stopwatch.GetTimestamp();
        var executing = executor.RunningCount;
        LogDraining(executing, options.Value.DrainTimeout);
        await WithdrawAsync().ConfigureAwait(false);

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(options.Value.DrainTimeout);
        try
        {
            while (executor.RunningCount > 0)
            {
                await Task.Delay(s_poll, time, limit.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // The drain time is up (or the host's shutdown timeout): what still runs is handed over.
        }

        var left = executor.RunningCount;
        LogDrained(Stopwatch.GetElapsedTime(started).TotalSeconds, executing, left);
    }

    /// <summary>Tells the machine directory this silo takes no more runs, so a run routed by preset goes elsewhere.</summary>
    private async Task WithdrawAsync()
    {
        try
        {
            await grains.Reference<IMachineDirectoryGrain>(0).WithdrawAsync(silo.SiloAddress).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // The directory checks membership on every lookup; this silo leaves it shortly anyway.
            LogWithdrawFailed(exception);
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Draining: not ready, starting no attempt; {Executing} attempts executing get up to {DrainTimeout} to finish")]
    private partial void LogDraining(int executing, TimeSpan drainTimeout);

    [LoggerMessage(Level = LogLevel.Information, Message = "Drained in {Seconds:F1} s: {Finished} of {Executing} attempts finished here; {Left} still running are handed over to other silos")]
    private partial void LogDrainedCore(double seconds, int finished, int executing, int left);

    private void LogDrained(double seconds, int executing, int left) => LogDrainedCore(seconds, Math.Max(0, executing - left), executing, left);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not withdraw this silo from the machine directory")]
    private partial void LogWithdrawFailed(Exception exception);
}
