using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansTasks.Hosting;
using OrleansTasks.Storage;

namespace OrleansTasks.Queues;

/// <summary>
/// The environment-wide concurrency limit: one grain per cluster wiring <see cref="PermitPool"/> (which leases permits
/// to queues, one per slot they grant, and never lets the permits out pass the limit) to the queues' messages.
/// </summary>
internal sealed partial class EnvironmentGrain(
    IRunStore store,
    IOptions<OrleansTasksOptions> options,
    TimeProvider time,
    ILogger<EnvironmentGrain> logger) : Grain, IEnvironmentGrain
{
    private PermitPool? _poolState;

    private PermitPool Pool => _poolState ?? throw new InvalidOperationException("The environment grain has not activated.");

    private int Limit => options.Value.EnvironmentConcurrencyLimit;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _poolState = new PermitPool(time.GetUtcNow().UtcTicks);

        // What this activation knows before any queue reports: the runs that hold slots now. Each such queue is told
        // of the new generation and answers with a full report.
        foreach (var (queue, running) in await store.CountSlotHoldersAsync(cancellationToken))
        {
            Send(Pool.Seed(queue, running));
        }

        LogActivated(Limit, Pool.Held);
    }

    public Task UpdateAsync(PermitDemand demand)
    {
        var wasContended = Pool.Contended;
        foreach (var send in Pool.Update(demand, Limit))
        {
            Send(send);
        }

        if (Pool.Contended != wasContended)
        {
            LogContention(Pool.Contended, Pool.Held, Limit);
        }

        return Task.CompletedTask;
    }

    public Task<EnvironmentInfo> GetInfoAsync() =>
        Task.FromResult(new EnvironmentInfo(Limit, Pool.Held, Pool.WaitingQueues, Pool.PeakHeld));

    private void Send(PermitSend send) =>
        GrainFactory.Reference<IQueueGrain>(send.Queue).PermitsAsync(send.Grant).Ignore();

    [LoggerMessage(Level = LogLevel.Information, Message = "Environment limit {Limit}: activated with {Held} runs holding slots.")]
    private partial void LogActivated(int limit, int held);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Environment contended: {Contended} ({Held} of {Limit} permits out).")]
    private partial void LogContention(bool contended, int held, int limit);
}
