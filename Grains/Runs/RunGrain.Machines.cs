using Orleans.Runtime.Placement;
using OrleansTasks.Machines;

namespace OrleansTasks.Runs;

/// <summary>
/// Machine presets: a run executes on a silo that serves its preset. A run whose grain lives elsewhere moves (grain
/// migration, with the serving silo as placement hint) before it asks for a slot; a run whose preset no live silo
/// serves stays <c>QUEUED</c>, says why in <see cref="TaskRun.WaitingFor"/>, and looks again every few seconds.
/// </summary>
internal sealed partial class RunGrain
{
    private const string DispatchOnArrivalKey = "ot.dispatch-on-arrival";
    private static readonly TimeSpan s_machineRecheck = TimeSpan.FromSeconds(5);

    private bool _dispatchOnArrival;
    private bool _routing;

    public void OnDehydrate(IDehydrationContext dehydrationContext)
    {
        ArgumentNullException.ThrowIfNull(dehydrationContext);
        if (_dispatchOnArrival)
        {
            dehydrationContext.TryAddValue(DispatchOnArrivalKey, true);
        }
    }

    public void OnRehydrate(IRehydrationContext rehydrationContext)
    {
        ArgumentNullException.ThrowIfNull(rehydrationContext);
        _dispatchOnArrival = rehydrationContext.TryGetValue(DispatchOnArrivalKey, out bool dispatch) && dispatch;
    }

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!_dispatchOnArrival)
        {
            return;
        }

        // Moved here to execute: take the run over and send it on.
        _dispatchOnArrival = false;
        await EnsureLoadedAsync();
        if (_state is { Status: RunStatus.Queued or RunStatus.Waiting } state)
        {
            state.Owner = Silo;
            state.WakeAt = null;
            SaveInBackground();
            AskForSlot();
        }
    }

    /// <summary>This silo does not serve the run's preset: move to one that does, or wait visibly until one does.</summary>
    private void RouteToMachine()
    {
        if (!_routing)
        {
            _routing = true;
            _ = RouteAsync();
        }

        async Task RouteAsync()
        {
            try
            {
                var state = _state!;
                var target = await GrainFactory.GetGrain<IMachineDirectoryGrain>(0).FindAsync(state.Machine);
                if (target is null)
                {
                    var reason = $"no live silo serves machine preset '{state.Machine.ToPresetName()}'";
                    if (state.WaitingFor != reason)
                    {
                        state.WaitingFor = reason;
                        LogNoMachine(state.Id, state.Machine.ToPresetName());
                        SaveInBackground();
                    }

                    this.RegisterGrainTimer(static grain => grain.RecheckMachine(), this, new GrainTimerCreationOptions(s_machineRecheck, Timeout.InfiniteTimeSpan) { KeepAlive = true });
                    return;
                }

                // If the move is lost (the target dies), the supervisor wakes the run shortly and it routes again.
                state.WaitingFor = null;
                state.Owner = null;
                state.WakeAt = time.GetUtcNow() + s_machineRecheck;
                await SaveAsync();
                _dispatchOnArrival = true;

                // A caller long-polling for the run's end would hold the move up until its poll ran out: let it go
                // (it polls again, and reaches the run where it moved).
                ReleaseFinalWaiters();
                RequestContext.Set(IPlacementDirector.PlacementHintKey, target);
                LogMoving(state.Id, state.Machine.ToPresetName(), target.ToString());
                MigrateOnIdle();
            }
            finally
            {
                _routing = false;
            }
        }
    }

    private Task RecheckMachine()
    {
        if (_state is { Status: RunStatus.Queued or RunStatus.Waiting, WaitingFor: not null })
        {
            AskForSlot();
        }

        return Task.CompletedTask;
    }

    /// <summary>Asks the queue for a slot: to resume a waiting run, or to start a queued one.</summary>
    private void AskForSlot()
    {
        if (_state!.Status == RunStatus.Waiting)
        {
            RequestSlotToResume();
        }
        else
        {
            Dispatch();
        }
    }
}
