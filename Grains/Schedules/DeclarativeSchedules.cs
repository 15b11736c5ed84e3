using Microsoft.Extensions.Logging;
using OrleansTasks.Registry;

namespace OrleansTasks.Schedules;

/// <summary>
/// Once the silo is active, makes the cluster's declarative schedules match this silo's code: each scheduled task's
/// <c>Cron</c> is created or updated, and declarative schedules no task declares any more are deleted. Then it starts the
/// sweep. Runs in the background, trying again with growing pauses while the cluster cannot take it (a database down).
/// </summary>
internal sealed partial class DeclarativeSchedules(
    IGrainFactory grains,
    TaskRegistry registry,
    ILogger<DeclarativeSchedules> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stopping = new();

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(
            nameof(DeclarativeSchedules),
            ServiceLifecycleStage.Active,
            Start,
            Stop);

    private Task Start(CancellationToken cancellationToken)
    {
        _ = Task.Run(SyncAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    private Task Stop(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        return Task.CompletedTask;
    }

    private async Task SyncAsync()
    {
        var declared = registry.All.Where(t => t.DeclaredSchedule is not null).Select(t => t.DeclaredSchedule!).ToList();
        for (var attempt = 1; !_stopping.IsCancellationRequested; attempt++)
        {
            try
            {
                var removed = await grains.Reference<IScheduleQueryGrain>(0).SyncDeclarativeAsync(declared);
                LogSynced(declared.Count, removed);
                await grains.Reference<IScheduleSweepGrain>(0).PokeAsync();
                return;
            }
            catch (Exception exception) when (!_stopping.IsCancellationRequested)
            {
                var pause = TransientFailures.Backoff(attempt, MaxPause);
                LogSyncFailed(exception, pause);
                try
                {
                    await Task.Delay(pause, _stopping.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>The longest pause between tries.</summary>
    private static readonly TimeSpan MaxPause = TimeSpan.FromSeconds(30);

    [LoggerMessage(Level = LogLevel.Information, Message = "Declarative schedules in step with the code: {Declared} declared, {Removed} removed.")]
    private partial void LogSynced(int declared, int removed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not bring the declarative schedules in step with the code; trying again in {Pause}.")]
    private partial void LogSyncFailed(Exception exception, TimeSpan pause);
}
