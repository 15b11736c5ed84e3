using System.Collections.Concurrent;
using System.Diagnostics;

namespace OrleansTasks.Bench.Chaos;

/// <summary>
/// Triggers runs at a steady rate, a random quarter each of <c>chaos-noop</c>, <c>chaos-wait</c> (3 to 8 s),
/// <c>chaos-parent</c> and <c>chaos-flaky</c>, tagged <c>chaos</c>. A trigger that throws is recorded and not retried:
/// the client is meant to ride through a silo's death itself, and the count shows whether it does.
/// </summary>
internal sealed class ChaosLoad(ITaskClient tasks, double rate)
{
    public const string Tag = "chaos";

    private static readonly TriggerOptions s_options = new() { Tags = [Tag] };

    private readonly ConcurrentQueue<ChaosTrigger> _triggered = new();
    private readonly ConcurrentQueue<ChaosTriggerError> _errors = new();
    private int _inFlight;

    /// <summary>Runs whose trigger returned, in no particular order.</summary>
    public IReadOnlyCollection<ChaosTrigger> Triggered => _triggered;

    /// <summary>Triggers that threw.</summary>
    public IReadOnlyCollection<ChaosTriggerError> Errors => _errors;

    /// <summary>Triggers sent that have neither returned nor thrown yet.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Triggers for <paramref name="duration"/>, then waits for the triggers still in flight to return or throw.</summary>
    public async Task RunAsync(TimeSpan duration, CancellationToken cancellationToken)
    {
        var sending = new List<Task>();
        var sent = 0L;
        var clock = Stopwatch.StartNew();
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
        while (true)
        {
            // Catch up to the schedule rather than trust the timer's period, so the rate holds when a tick is late.
            var elapsed = clock.Elapsed < duration ? clock.Elapsed : duration;
            var due = (long)(elapsed.TotalSeconds * rate);
            for (; sent < due; sent++)
            {
                sending.Add(TriggerOneAsync(cancellationToken));
            }

            if (elapsed >= duration)
            {
                break;
            }

            await tick.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
        }

        await Task.WhenAll(sending).ConfigureAwait(false);
    }

    private async Task TriggerOneAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _inFlight);
        var kind = Random.Shared.Next(4);
        var taskId = kind switch
        {
            0 => ChaosNoopTask.TaskId,
            1 => ChaosWaitTask.TaskId,
            2 => ChaosParentTask.TaskId,
            _ => ChaosFlakyTask.TaskId,
        };
        try
        {
            var handle = kind switch
            {
                0 => await tasks.For<ChaosNoopTask>().TriggerAsync(new ChaosPayload(), s_options, cancellationToken).ConfigureAwait(false),
                1 => await tasks.For<ChaosWaitTask>().TriggerAsync(new ChaosWaitPayload(Random.Shared.Next(3, 9)), s_options, cancellationToken).ConfigureAwait(false),
                2 => await tasks.For<ChaosParentTask>().TriggerAsync(new ChaosPayload(), s_options, cancellationToken).ConfigureAwait(false),
                _ => await tasks.For<ChaosFlakyTask>().TriggerAsync(new ChaosPayload(), s_options, cancellationToken).ConfigureAwait(false),
            };
            _triggered.Enqueue(new ChaosTrigger(handle.Id, taskId));
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            _errors.Enqueue(new ChaosTriggerError(taskId, DateTimeOffset.UtcNow, exception));
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }
}
