using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using OrleansTasks.Execution;
using OrleansTasks.Machines;

namespace OrleansTasks.Maintenance;

/// <summary>
/// Per silo: wakes the supervisor when this silo starts and whenever a silo leaves the cluster, so runs orphaned by
/// a dead silo are resumed within moments rather than at the next scan; registers the machine presets the silo
/// serves at start and on every membership change; and stops the executor when the silo stops.
/// </summary>
internal sealed partial class MembershipWatcher(
    IClusterMembershipService membership,
    IGrainFactory grains,
    AttemptExecutor executor,
    Notices.NoticeSender notices,
    MachineCatalog machines,
    ILocalSiloDetails silo,
    ILogger<MembershipWatcher> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stopping = new();
    private Task? _watching;

    public void Participate(ISiloLifecycle lifecycle)
    {
        lifecycle.Subscribe(nameof(MembershipWatcher), ServiceLifecycleStage.Active, StartAsync, StopAsync);
        lifecycle.Subscribe(nameof(AttemptExecutor), ServiceLifecycleStage.RuntimeServices, _ => Task.CompletedTask, _ =>
        {
            executor.Stop();
            notices.Stop();
            return Task.CompletedTask;
        });
    }

    private Task StartAsync(CancellationToken cancellationToken)
    {
        _watching = Task.Run(WatchAsync, CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_watching is not null)
        {
            await _watching.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _stopping.Dispose();
    }

    private async Task WatchAsync()
    {
        await RegisterMachinesAsync(tries: 20).ConfigureAwait(false);
        await PokeAsync().ConfigureAwait(false);
        var dead = membership.CurrentSnapshot.Members.Values.Count(m => m.Status == SiloStatus.Dead);
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(_stopping.Token).ConfigureAwait(false))
            {
                await RegisterMachinesAsync().ConfigureAwait(false);
                var nowDead = snapshot.Members.Values.Count(m => m.Status == SiloStatus.Dead);
                if (nowDead > dead)
                {
                    await PokeAsync().ConfigureAwait(false);
                }

                dead = nowDead;
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // The silo is stopping.
        }
    }

    /// <summary>Registers this silo's presets; at start-up it tries until the directory answers (the cluster may still be forming).</summary>
    private async Task RegisterMachinesAsync(int tries = 1)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (machines.IsDraining)
            {
                return; // Withdrawn for good: a stopping silo takes no more runs.
            }

            try
            {
                await grains.Reference<IMachineDirectoryGrain>(0).RegisterAsync(silo.SiloAddress, machines.Presets).ConfigureAwait(false);
                return;
            }
            catch (Exception exception) when (attempt < tries && !_stopping.IsCancellationRequested)
            {
                LogRegisterFailed(exception);
                await Task.Delay(TimeSpan.FromMilliseconds(500), _stopping.Token).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                LogRegisterFailed(exception);
                return;
            }
        }
    }

    private async Task PokeAsync()
    {
        try
        {
            await grains.Reference<IRunSupervisorGrain>(0).PokeAsync().ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            LogPokeFailed(exception);
        }
    }
}
