namespace OrleansTasks.TestTasks;

/// <summary>
/// Starts one durable operation with a cancellation token of its own and cancels that token while the operation is
/// in flight (in the first execution only), then reports how the operation ended. With <see cref="AbandonPayload.SuspendAfter"/>
/// it then suspends, so the attempt replays over the abandoned operation with a token that never fires.
/// </summary>
public sealed class AbandonTask(CancellableWaitTask sleeper) : TaskDefinition<AbandonPayload, string>
{
    public override string Id => "abandon";

    public override async Task<string> RunAsync(AbandonPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        var execution = Probe.Count($"{payload.Key}:executions");
        using var stop = new CancellationTokenSource();
        if (payload.Kind == "precanceled")
        {
            stop.Cancel();
        }

        Task operation = payload.Kind switch
        {
            "duration" or "precanceled" => Wait.ForAsync(TimeSpan.FromMinutes(5), stop.Token),
            "token" => Wait.ForTokenAsync<string>(await Wait.CreateTokenAsync(new WaitTokenOptions { Tags = [payload.Key] }), stop.Token),
            "child" => sleeper.TriggerAndWaitAsync(new CancellableWaitPayload(payload.Key, ForToken: false), cancellationToken: stop.Token),
            "step" => context.StepAsync("cut short", async token =>
            {
                stop.Cancel();
                await Task.Delay(Timeout.InfiniteTimeSpan, token);
                return 1;
            }, stop.Token),
            _ => throw new ArgumentException($"unknown kind {payload.Kind}"),
        };

        if (execution == 1)
        {
            stop.Cancel();
        }

        string outcome;
        try
        {
            await operation;
            outcome = "finished";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            outcome = "abandoned";
        }

        Probe.Count($"{payload.Key}:{outcome}");
        if (payload.SuspendAfter)
        {
            await Wait.ForAsync(TimeSpan.FromSeconds(2));
        }

        await context.StepAsync("after", _ => Task.FromResult(Probe.Count($"{payload.Key}:after")));
        return outcome;
    }
}

public sealed record AbandonPayload(string Key, string Kind, bool SuspendAfter = false);
