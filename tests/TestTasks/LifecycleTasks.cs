using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Logging;

namespace OrleansTasks.TestTasks;

/// <summary>What <see cref="HookedTask"/> does in <c>RunAsync</c>, and what its <c>CatchErrorAsync</c> decides.</summary>
public sealed record HookPayload(string Mode, string CatchError = "as-planned", string Key = "");

/// <summary>Every hook call, per run id, in order, as the hooks saw them (global ones prefixed "g.").</summary>
public static class HookLog
{
    private static readonly ConcurrentDictionary<string, ConcurrentQueue<string>> s_entries = new(StringComparer.Ordinal);

    public static void Record(string runId, string entry) => s_entries.GetOrAdd(runId, _ => new ConcurrentQueue<string>()).Enqueue(entry);

    public static IReadOnlyList<string> Of(string runId) => [.. s_entries.GetOrAdd(runId, _ => new ConcurrentQueue<string>())];
}

/// <summary>Values the global middleware shares with hooks and <c>RunAsync</c>.</summary>
public static class HookLocals
{
    public static readonly TaskLocal<string> Tenant = new("tenant");
}

/// <summary>
/// A task that overrides every hook and records each call. Modes: <c>succeed</c>, <c>fail</c> (always throws),
/// <c>abort</c>, <c>long-wait</c> (suspends), <c>short-wait</c> (in memory), <c>sleep</c> (until cancelled),
/// <c>stubborn</c> (ignores its token for 8 s), <c>late</c> (stops 400 ms after its token fires).
/// </summary>
public sealed class HookedTask : TaskDefinition<HookPayload, string>
{
    public override string Id => "hooks-task";

    public override RetryOptions RetryPolicy => new() { MaxAttempts = 3, MinDelay = TimeSpan.FromMilliseconds(10), Randomize = false };

    public override async Task MiddlewareAsync(HookPayload payload, TaskContext context, Func<Task> next, CancellationToken cancellationToken)
    {
        Record(context, "middleware>");
        await next();
        Record(context, "middleware<");
    }

    public override Task<object?> InitAsync(HookPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        Record(context, "init");
        return Task.FromResult<object?>($"init-of-{context.Attempt}");
    }

    public override Task OnStartAsync(HookPayload payload, TaskContext context, CancellationToken cancellationToken) => Recorded(context, "onStart");

    public override async Task<string> RunAsync(HookPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        Record(context, $"run({context.InitResult},{context.Locals.Get(HookLocals.Tenant)})");
        switch (payload.Mode)
        {
            case "fail":
                throw new InvalidOperationException($"attempt {context.Attempt} failed");
            case "abort":
                throw new AbortTaskRunException("given up");
            case "long-wait":
                await Wait.ForAsync(TimeSpan.FromSeconds(2));
                Record(context, "after-wait");
                break;
            case "short-wait":
                await Wait.ForAsync(TimeSpan.FromMilliseconds(50));
                Record(context, "after-wait");
                break;
            case "sleep":
                Probe.Started(payload.Key);
                await Task.Delay(TimeSpan.FromMinutes(5), cancellationToken);
                break;
            case "stubborn":
                await Task.Delay(TimeSpan.FromSeconds(8), CancellationToken.None);
                break;
            case "late":
                Probe.Started(payload.Key);
                try
                {
                    await Task.Delay(TimeSpan.FromMinutes(5), cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    // Cleans up for a while before it lets the cancel through.
                    await Task.Delay(TimeSpan.FromMilliseconds(400), CancellationToken.None);
                    throw;
                }

                break;
        }

        return "done";
    }

    public override Task OnWaitAsync(HookPayload payload, WaitInfo wait, TaskContext context, CancellationToken cancellationToken) =>
        Recorded(context, $"onWait({wait.Kind})");

    public override Task OnResumeAsync(HookPayload payload, WaitInfo wait, TaskContext context, CancellationToken cancellationToken) =>
        Recorded(context, $"onResume({wait.Kind})");

    public override Task<CatchErrorResult?> CatchErrorAsync(HookPayload payload, AttemptError error, TaskContext context, CancellationToken cancellationToken)
    {
        Record(context, $"catchError({error.RetryAt is not null})");
        return Task.FromResult(payload.CatchError switch
        {
            "skip" => new CatchErrorResult { SkipRetrying = true },
            "retry-after" => new CatchErrorResult { RetryDelay = TimeSpan.FromSeconds(1.5) },
            "retry-at" => new CatchErrorResult { RetryAt = DateTimeOffset.UtcNow.AddSeconds(1.5) },
            "replace" => new CatchErrorResult { Error = new TimeoutException($"replaced in attempt {context.Attempt}") },
            _ => null,
        });
    }

    public override Task OnSuccessAsync(HookPayload payload, string output, TaskContext context, CancellationToken cancellationToken)
    {
        Record(context, $"onSuccess({output})");
        return payload.Key == "throw-in-on-success" ? throw new InvalidOperationException("OnSuccessAsync threw on purpose") : Task.CompletedTask;
    }

    public override Task OnFailureAsync(HookPayload payload, TaskFailure failure, TaskContext context, CancellationToken cancellationToken) =>
        Recorded(context, $"onFailure({failure.Status.ToWireName()})");

    public override Task OnCompleteAsync(HookPayload payload, TaskRunResult<string> result, TaskContext context, CancellationToken cancellationToken) =>
        Recorded(context, $"onComplete({result.IsSuccess})");

    public override Task CleanupAsync(HookPayload payload, TaskContext context, CancellationToken cancellationToken) => Recorded(context, "cleanup");

    public override Task OnCancelAsync(HookPayload payload, Task run, TaskContext context, CancellationToken cancellationToken) =>
        Recorded(context, "onCancel");

    private static Task Recorded(TaskContext context, string entry)
    {
        Record(context, entry);
        return Task.CompletedTask;
    }

    private static void Record(TaskContext context, string entry) => HookLog.Record(context.RunId, $"{entry}#{context.Attempt}");
}

/// <summary>Global hooks, recording for <see cref="HookedTask"/> only.</summary>
public sealed class RecordingHooks : TaskLifecycleHooks
{
    public override Task OnStartAsync(object? payload, TaskContext context, CancellationToken cancellationToken) => Record(context, "g.onStart");

    public override Task OnWaitAsync(object? payload, WaitInfo wait, TaskContext context, CancellationToken cancellationToken) => Record(context, "g.onWait");

    public override Task OnResumeAsync(object? payload, WaitInfo wait, TaskContext context, CancellationToken cancellationToken) => Record(context, "g.onResume");

    public override async Task<CatchErrorResult?> CatchErrorAsync(object? payload, AttemptError error, TaskContext context, CancellationToken cancellationToken)
    {
        await Record(context, "g.catchError");
        return null;
    }

    public override Task OnSuccessAsync(object? payload, object? output, TaskContext context, CancellationToken cancellationToken) => Record(context, "g.onSuccess");

    public override Task OnFailureAsync(object? payload, TaskFailure failure, TaskContext context, CancellationToken cancellationToken) =>
        Record(context, $"g.onFailure({failure.Status.ToWireName()})");

    public override Task OnCompleteAsync(object? payload, TaskRunResult result, TaskContext context, CancellationToken cancellationToken) => Record(context, "g.onComplete");

    public override Task OnCancelAsync(object? payload, Task run, TaskContext context, CancellationToken cancellationToken) => Record(context, "g.onCancel");

    private static Task Record(TaskContext context, string entry)
    {
        if (context.TaskId == "hooks-task")
        {
            HookLog.Record(context.RunId, $"{entry}#{context.Attempt}");
        }

        return Task.CompletedTask;
    }
}

/// <summary>Global middleware: shares a value through <see cref="TaskContext.Locals"/> and records around the attempt.</summary>
public sealed class RecordingMiddleware : ITaskMiddleware
{
    public async Task InvokeAsync(object? payload, TaskContext context, Func<Task> next, CancellationToken cancellationToken)
    {
        context.Locals.Set(HookLocals.Tenant, "acme");
        if (context.TaskId != "hooks-task")
        {
            await next();
            return;
        }

        HookLog.Record(context.RunId, $"g.middleware>#{context.Attempt}");
        await next();
        HookLog.Record(context.RunId, $"g.middleware<#{context.Attempt}");
    }
}

/// <summary>Retries a block inside the run: it fails <see cref="RetryBlockPayload.Failures"/> times, then succeeds.</summary>
public sealed class RetryBlockTask : TaskDefinition<RetryBlockPayload, string>
{
    public override string Id => "retry-block";

    public override RetryOptions RetryPolicy => RetryOptions.None;

    public override Task<string> RunAsync(RetryBlockPayload payload, TaskContext context, CancellationToken cancellationToken) =>
        Retry.OnThrowAsync(
            attempt => attempt <= payload.Failures ? throw new InvalidOperationException($"try {attempt} failed") : Task.FromResult($"ok on try {attempt}"),
            new RetryOptions { MaxAttempts = payload.MaxTries, MinDelay = TimeSpan.FromMilliseconds(10), Randomize = false },
            cancellationToken);
}

public sealed record RetryBlockPayload(int Failures, int MaxTries);

/// <summary>A payload with DataAnnotations rules, nested rules, and a rule of its own.</summary>
public sealed class OrderPayload : IValidatableObject
{
    [Required]
    [EmailAddress]
    public string? Email { get; set; }

    [Range(1, 100)]
    public int Quantity { get; set; }

    public List<OrderLine> Lines { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Lines.Count > Quantity)
        {
            yield return new ValidationResult("An order cannot have more lines than its quantity.", [nameof(Lines)]);
        }
    }
}

public sealed class OrderLine
{
    [Required]
    [StringLength(8)]
    public string? Sku { get; set; }
}

/// <summary>A task whose payload is validated; it counts its attempts.</summary>
public sealed class ValidatedOrderTask : TaskDefinition<OrderPayload, string>
{
    public override string Id => "validated-order";

    public override RetryOptions RetryPolicy => new() { MaxAttempts = 3, MinDelay = TimeSpan.FromMilliseconds(10), Randomize = false };

    public override Task<string> RunAsync(OrderPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        context.Logger.LogInformation("Order for {Email} with {Quantity} items", payload.Email, payload.Quantity);
        return Task.FromResult($"ordered {payload.Quantity}");
    }
}

/// <summary>Triggers <see cref="ValidatedOrderTask"/> from inside a run with a payload that breaks its rules.</summary>
public sealed class InvalidChildTriggerTask(ValidatedOrderTask orders) : TaskDefinition<EmptyPayload, string>
{
    public override string Id => "invalid-child-trigger";

    public override RetryOptions RetryPolicy => RetryOptions.None;

    public override async Task<string> RunAsync(EmptyPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        try
        {
            await orders.TriggerAsync(new OrderPayload { Email = "nope", Quantity = 0 });
            return "triggered";
        }
        catch (PayloadValidationException exception)
        {
            return $"refused: {exception.Errors.Count}";
        }
    }
}

public sealed record LoggingPayload(string Item, bool FailFirst = false);

/// <summary>Logs before and after a wait long enough to suspend, so the replay writes the first lines again.</summary>
public sealed class LoggingTask : TaskDefinition<LoggingPayload, string>
{
    public override string Id => "logging-task";

    public override RetryOptions RetryPolicy => new() { MaxAttempts = 2, MinDelay = TimeSpan.FromMilliseconds(10), Randomize = false };

    public override async Task<string> RunAsync(LoggingPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        context.Logger.LogInformation("Starting {Item} on attempt {Attempt}", payload.Item, context.Attempt);
        context.Logger.LogDebug("Below the stored level");
        if (payload.FailFirst && context.Attempt == 1)
        {
            throw new InvalidOperationException("first attempt fails");
        }

        await Wait.ForAsync(TimeSpan.FromSeconds(2));
        context.Logger.LogWarning("Back after the wait");
        context.Logger.LogError(new InvalidOperationException("boom"), "An error with an exception");
        return "ok";
    }

    public override Task OnWaitAsync(LoggingPayload payload, WaitInfo wait, TaskContext context, CancellationToken cancellationToken)
    {
        context.Logger.LogInformation("Waiting ({Kind})", wait.Kind);
        return Task.CompletedTask;
    }

    public override Task OnResumeAsync(LoggingPayload payload, WaitInfo wait, TaskContext context, CancellationToken cancellationToken)
    {
        context.Logger.LogInformation("Resumed ({Kind})", wait.Kind);
        return Task.CompletedTask;
    }
}
