using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansTasks.Hosting;

namespace OrleansTasks.Schedules;

/// <summary>
/// Wakes the schedules whose reminder did not. A reminder's tick can be lost: the reminder service does not catch up a
/// tick that fell while the silo owning it was dying. Every active schedule writes when it next expects its reminder;
/// every <see cref="ScheduleSettings.SweepInterval"/> this grain (one per cluster, kept alive by its own reminder) pokes
/// those well past it, and each fires what is due by its missed-occurrence policy and sets its reminder again.
/// </summary>
internal sealed partial class ScheduleSweepGrain(
    IScheduleStore store,
    TimeProvider time,
    IOptions<OrleansTasksOptions> options,
    ILogger<ScheduleSweepGrain> logger) : Grain, IScheduleSweepGrain, IRemindable
{
    private const int SweepLimit = 1000;
    private const int Parallelism = 50;
    private IGrainTimer? _timer;
    private bool _sweeping;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await this.RegisterOrUpdateReminder("keep-alive", TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        var interval = options.Value.Schedules.SweepInterval;
        _timer = this.RegisterGrainTimer(static (grain, _) => grain.SweepAsync(), this, new GrainTimerCreationOptions(interval, interval) { KeepAlive = true });
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        return base.OnDeactivateAsync(reason, cancellationToken);
    }

    public Task PokeAsync() => SweepAsync();

    private async Task SweepAsync()
    {
        if (_sweeping)
        {
            return;
        }

        _sweeping = true;
        try
        {
            // A schedule is overdue once it is later than a tick could be: a sweep's interval past its wake-up.
            var before = time.GetUtcNow() - options.Value.Schedules.SweepInterval;
            var overdue = await store.FindOverdueAsync(before, SweepLimit);
            if (overdue.Count > 0)
            {
                LogWaking(overdue.Count);
                await Parallel.ForEachAsync(
                    overdue,
                    new ParallelOptions { MaxDegreeOfParallelism = Parallelism, TaskScheduler = TaskScheduler.Current },
                    async (id, _) => await GrainFactory.Reference<IScheduleGrain>(id).PokeAsync());
            }
        }
        catch (Exception exception)
        {
            LogSweepFailed(exception);
        }
        finally
        {
            _sweeping = false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Waking {Count} schedule(s) whose reminder tick did not arrive.")]
    private partial void LogWaking(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The schedule sweep failed; it tries again at its next interval.")]
    private partial void LogSweepFailed(Exception exception);
}
