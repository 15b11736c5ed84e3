namespace OrleansTasks.TestTasks;

/// <summary>
/// Steps around a wait. Each step counts itself (in <see cref="Probe"/>, and in a file when the payload names one, so
/// silos in other processes are counted too); the run returns what the steps returned.
/// </summary>
public sealed class StepWaitStepTask : TaskDefinition<StepWaitPayload, StepWaitOutput>
{
    public override string Id => "step-wait-step";

    public override async Task<StepWaitOutput> RunAsync(StepWaitPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        var before = await context.StepAsync("before", async _ =>
        {
            if (payload.StepDuration > TimeSpan.Zero)
            {
                // A slow side effect: a test stops the silo while it is in flight.
                MarkFile(payload, "before-started");
                await Task.Delay(payload.StepDuration, CancellationToken.None);
            }

            return Mark(payload, "before");
        });
        if (payload.PauseAfterFirstStep > TimeSpan.Zero)
        {
            // Not durable: a replay waits again. It is where a test kills the silo "right after the step".
            await Task.Delay(payload.PauseAfterFirstStep, cancellationToken);
        }

        await Wait.ForAsync(payload.Wait);
        var after = await context.StepAsync("after", _ => Task.FromResult(Mark(payload, "after")));
        return new StepWaitOutput(before, after);
    }

    internal static string Mark(StepWaitPayload payload, string step)
    {
        Probe.Count($"{payload.Key}:{step}");
        MarkFile(payload, step);
        return $"{step}@{Environment.ProcessId}";
    }

    private static void MarkFile(StepWaitPayload payload, string line)
    {
        if (payload.File is { } file)
        {
            File.AppendAllLines(file, [line]);
        }
    }
}

public sealed record StepWaitPayload(string Key, TimeSpan Wait, TimeSpan PauseAfterFirstStep = default, string? File = null, TimeSpan StepDuration = default);

public sealed record StepWaitOutput(string Before, string After);

/// <summary>Doubles a number: a child for parent runs.</summary>
public sealed class DoublerTask : TaskDefinition<NumberPayload, int>
{
    public override string Id => "doubler";

    public override async Task<int> RunAsync(NumberPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        Probe.Count($"{payload.Key}:doubler");
        if (payload.Hold > TimeSpan.Zero)
        {
            await Task.Delay(payload.Hold, cancellationToken);
        }

        return payload.Value * 2;
    }
}

public sealed record NumberPayload(int Value, string Key = "", TimeSpan Hold = default);

/// <summary>A parent that waits for children in the way its payload asks, taking the child task by injection.</summary>
public sealed class ParentTask(DoublerTask doubler) : TaskDefinition<ParentPayload, ParentOutput>
{
    public override string Id => "parent";

    public override async Task<ParentOutput> RunAsync(ParentPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        switch (payload.Mode)
        {
            case "single":
            {
                var result = await doubler.TriggerAndWaitAsync(new NumberPayload(payload.Value, payload.Key, payload.ChildHold));
                await Wait.ForAsync(payload.WaitAfter);
                return new ParentOutput([result.Unwrap()], [result.RunId]);
            }

            case "batch":
            {
                var results = await context.BatchTriggerAndWaitAsync(
                [
                    BatchTaskItem.For<EchoTask>(new EchoPayload(payload.Value)),
                    doubler.Item(new NumberPayload(payload.Value, payload.Key)),
                    BatchTaskItem.ForId("echo", new EchoPayload(payload.Value + 1)),
                ]);
                return new ParentOutput(
                    [results[0].Unwrap<EchoOutput>().Value, results[1].Unwrap<int>(), results[2].Unwrap<EchoOutput>().Value],
                    [.. results.Select(r => r.RunId)]);
            }

            case "parallel":
            {
                // Three durable waits at once, and a long one among them so the run suspends and replays.
                var first = doubler.TriggerAndWaitAsync(new NumberPayload(payload.Value, payload.Key));
                var second = doubler.TriggerAndWaitAsync(new NumberPayload(payload.Value + 1, payload.Key));
                var pause = Wait.ForAsync(payload.WaitAfter);
                await Task.WhenAll(first, second, pause);
                return new ParentOutput([(await first).Unwrap(), (await second).Unwrap()], [(await first).RunId, (await second).RunId]);
            }

            case "branches":
            {
                // Two flows, each a step, a wait and a step: positions must not depend on which flow runs first.
                var results = await Task.WhenAll(BranchAsync(context, payload, "left"), BranchAsync(context, payload, "right"));
                return new ParentOutput([.. results], []);
            }

            case "fire-and-forget":
            {
                var handle = await doubler.TriggerAsync(new NumberPayload(payload.Value, payload.Key));
                await Wait.ForAsync(payload.WaitAfter);
                return new ParentOutput([], [handle.Id]);
            }

            case "batch-fire-and-forget":
            {
                var batch = await doubler.BatchTriggerAsync([new NumberPayload(1, payload.Key), new NumberPayload(2, payload.Key)]);
                await Wait.ForAsync(payload.WaitAfter);
                return new ParentOutput([], [batch.BatchId, .. batch.Runs.Select(r => r.Id)]);
            }

            case "failing-child":
            {
                var result = await context.TriggerAndWaitAsync(BatchTaskItem.For<AlwaysFailsTask>(new EmptyPayload(), new TriggerOptions { MaxAttempts = 1 }));
                try
                {
                    result.Unwrap<string>();
                    return new ParentOutput([], [result.RunId]);
                }
                catch (SubtaskUnwrapException exception)
                {
                    return new ParentOutput([], [result.RunId, exception.RunId, exception.TaskId, exception.Error.Message]);
                }
            }

            default:
                throw new AbortTaskRunException($"Unknown mode '{payload.Mode}'.");
        }
    }

    private static async Task<int> BranchAsync(TaskContext context, ParentPayload payload, string name)
    {
        var start = await context.StepAsync($"{name}-start", _ =>
        {
            Probe.Count($"{payload.Key}:{name}-start");
            return Task.FromResult(name.Length);
        });
        await Wait.ForAsync(payload.WaitAfter);
        return await context.StepAsync($"{name}-end", _ =>
        {
            Probe.Count($"{payload.Key}:{name}-end");
            return Task.FromResult(start * 10);
        });
    }
}

public sealed record ParentPayload(string Mode, int Value = 1, string Key = "", TimeSpan WaitAfter = default, TimeSpan ChildHold = default);

public sealed record ParentOutput(IReadOnlyList<int> Values, IReadOnlyList<string> Notes);

/// <summary>On a queue limited to 1, triggers itself and waits, down to the payload's depth: must never deadlock.</summary>
public sealed class RecursiveTask : TaskDefinition<DepthPayload, int>
{
    public override string Id => "recursive";

    public override QueueOptions Queue => new() { Name = "solo", ConcurrencyLimit = 1 };

    public override async Task<int> RunAsync(DepthPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        if (payload.Remaining == 0)
        {
            return 1;
        }

        var below = await TriggerAndWaitAsync(new DepthPayload(payload.Remaining - 1));
        return below.Unwrap() + 1;
    }
}

public sealed record DepthPayload(int Remaining);

/// <summary>On a queue limited to 1: waits (the payload's duration) and records when it starts and resumes.</summary>
public sealed class SoloWaitTask : TaskDefinition<SoloWaitPayload, int>
{
    public override string Id => "solo-wait";

    public override QueueOptions Queue => new() { Name = "solo-wait", ConcurrencyLimit = 1 };

    public override async Task<int> RunAsync(SoloWaitPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        await context.StepAsync("start", _ =>
        {
            Probe.Record("solo-wait", payload.Sequence);
            return Task.FromResult(true);
        });
        if (payload.Wait > TimeSpan.Zero)
        {
            await Wait.ForAsync(payload.Wait);
            Probe.Record("solo-wait", 100 + payload.Sequence);
        }

        if (payload.Hold > TimeSpan.Zero)
        {
            await Task.Delay(payload.Hold, cancellationToken);
        }

        return payload.Sequence;
    }
}

public sealed record SoloWaitPayload(int Sequence, TimeSpan Wait = default, TimeSpan Hold = default);

/// <summary>Creates a token, tagged with the payload's key so a test can find it, and waits for it.</summary>
public sealed class TokenWaitTask : TaskDefinition<TokenPayload, TokenOutput>
{
    public override string Id => "token-wait";

    public override async Task<TokenOutput> RunAsync(TokenPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        var token = await Wait.CreateTokenAsync(new WaitTokenOptions { Timeout = payload.Timeout, Tags = [payload.Key], IdempotencyKey = payload.IdempotencyKey });
        var result = await Wait.ForTokenAsync<Approval>(token);
        return new TokenOutput(token.Id, result.IsSuccess, result.Output?.ApprovedBy, result.Error?.Code);
    }
}

public sealed record TokenPayload(string Key, TimeSpan? Timeout = null, string? IdempotencyKey = null);

public sealed record Approval(string ApprovedBy);

public sealed record TokenOutput(string TokenId, bool Ok, string? ApprovedBy, string? ErrorCode);

/// <summary>Makes a different first operation on its second execution than on its first: a replay must fail the run.</summary>
public sealed class NonDeterministicTask : TaskDefinition<KeyPayload, string>
{
    public override string Id => "non-deterministic";

    public override async Task<string> RunAsync(KeyPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        if (Probe.Count($"{payload.Key}:executions") == 1)
        {
            await context.StepAsync("first-time", _ => Task.FromResult(1));
        }
        else
        {
            await Wait.ForAsync(TimeSpan.FromMilliseconds(1));
        }

        await Wait.ForAsync(TimeSpan.FromSeconds(2));
        return "unreachable on replay";
    }
}

/// <summary>A step, then a failure on the first attempt: the retry is a fresh attempt, so the step runs again.</summary>
public sealed class StepThenFailTask : TaskDefinition<KeyPayload, int>
{
    public override string Id => "step-then-fail";

    public override RetryOptions RetryPolicy => new() { MaxAttempts = 2, MinDelay = TimeSpan.FromMilliseconds(50), Randomize = false };

    public override async Task<int> RunAsync(KeyPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        var count = await context.StepAsync("count", _ => Task.FromResult(Probe.Count($"{payload.Key}:step")));
        return context.Attempt == 1 ? throw new InvalidOperationException("the first attempt fails after its step") : count;
    }
}

/// <summary>Tries a durable operation inside a step, which is not allowed.</summary>
public sealed class NestedStepTask : TaskDefinition<KeyPayload, string>
{
    public override string Id => "nested-step";

    public override Task<string> RunAsync(KeyPayload payload, TaskContext context, CancellationToken cancellationToken) =>
        context.StepAsync("outer", async _ =>
        {
            await Wait.ForAsync(TimeSpan.FromMilliseconds(1));
            return "unreachable";
        });
}

/// <summary>Waits until the payload's moment, throwing if it has passed when asked to.</summary>
public sealed class WaitUntilTask : TaskDefinition<UntilPayload, string>
{
    public override string Id => "wait-until";

    public override async Task<string> RunAsync(UntilPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        await Wait.UntilAsync(payload.Until, payload.ThrowIfInThePast);
        return "waited";
    }
}

public sealed record UntilPayload(DateTimeOffset Until, bool ThrowIfInThePast);

public sealed record KeyPayload(string Key);

/// <summary>
/// Reads <see cref="TaskContext.StepIdempotencyKey"/> outside and inside two steps; the first attempt fails after its
/// steps, so the second runs them again. Each key seen inside the first step is kept in <see cref="Seen"/>.
/// </summary>
public sealed class StepKeyTask : TaskDefinition<KeyPayload, string>
{
    public static readonly System.Collections.Concurrent.ConcurrentDictionary<string, System.Collections.Concurrent.ConcurrentQueue<string>> Seen = new();

    public override string Id => "step-key";

    public override RetryOptions RetryPolicy => new() { MaxAttempts = 2, MinDelay = TimeSpan.FromMilliseconds(10), Randomize = false };

    public override async Task<string> RunAsync(KeyPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        string outside;
        try
        {
            outside = context.StepIdempotencyKey;
        }
        catch (InvalidOperationException)
        {
            outside = "refused";
        }

        var charge = await context.StepAsync("charge", _ =>
        {
            Seen.GetOrAdd(payload.Key, _ => new()).Enqueue(context.StepIdempotencyKey);
            return Task.FromResult(context.StepIdempotencyKey);
        });
        var receipt = await context.StepAsync("receipt", _ => Task.FromResult(context.StepIdempotencyKey));
        if (context.Attempt == 1)
        {
            throw new InvalidOperationException("the first attempt fails after its steps");
        }

        return $"{outside}|{charge}|{receipt}";
    }
}
