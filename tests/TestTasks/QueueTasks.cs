namespace OrleansTasks.TestTasks;

/// <summary>The queues the queue tests use; silos register <see cref="Rated"/> with <c>AddQueue</c>, the others are defined by tasks.</summary>
public static class TestQueues
{
    /// <summary>Per tenant (concurrency key) at most 2; all tenants together at most 5.</summary>
    public static readonly QueueOptions Tenants = new() { Name = "tenants", ConcurrencyLimit = 2, TotalConcurrencyLimit = 5 };

    /// <summary>At most 3 starts per second per key; defined once on the silo builder and named by its task.</summary>
    public static readonly QueueOptions Rated = new() { Name = "rated", RateLimit = new QueueRateLimit(3, TimeSpan.FromSeconds(1)) };

    /// <summary>Shared by two tasks, limit 2 for both together.</summary>
    public static readonly QueueOptions Pool = new() { Name = "pool", ConcurrencyLimit = 2 };

    /// <summary>One at a time, for the order runs start in.</summary>
    public static readonly QueueOptions Ordered = new() { Name = "ordered", ConcurrencyLimit = 1 };
}

/// <summary>Work for a tenant: holds a slot of the tenants queue, counting how many run at once per tenant and overall.</summary>
public sealed class TenantTask : TaskDefinition<TenantPayload, int>
{
    public override string Id => "tenant-work";

    public override QueueOptions Queue => TestQueues.Tenants;

    public override async Task<int> RunAsync(TenantPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        using (Probe.Enter($"{payload.Key}:all"))
        using (Probe.Enter($"{payload.Key}:{payload.Tenant}"))
        {
            await Task.Delay(payload.Hold, cancellationToken);
        }

        return payload.Sequence;
    }
}

public sealed record TenantPayload(string Key, string Tenant, TimeSpan Hold, int Sequence = 0);

/// <summary>Runs on the rate-limited queue, which it names without defining.</summary>
public sealed class RatedTask : TaskDefinition<KeyPayload, string>
{
    public override string Id => "rated-work";

    public override QueueOptions Queue => new() { Name = "rated" };

    public override Task<string> RunAsync(KeyPayload payload, TaskContext context, CancellationToken cancellationToken) =>
        Task.FromResult(payload.Key);
}

/// <summary>One of two tasks sharing the pool queue; this one defines it.</summary>
public sealed class PoolTaskA : TaskDefinition<PoolPayload, int>
{
    public override string Id => "pool-a";

    public override QueueOptions Queue => TestQueues.Pool;

    public override async Task<int> RunAsync(PoolPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        using (Probe.Enter($"{payload.Key}:pool"))
        {
            await Task.Delay(payload.Duration, cancellationToken);
        }

        return payload.Sequence;
    }
}

/// <summary>The other task on the pool queue: it names the queue only, so it shares the limit PoolTaskA defines.</summary>
public sealed class PoolTaskB : TaskDefinition<PoolPayload, int>
{
    public override string Id => "pool-b";

    public override QueueOptions Queue => new() { Name = "pool" };

    public override async Task<int> RunAsync(PoolPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        using (Probe.Enter($"{payload.Key}:pool"))
        {
            await Task.Delay(payload.Duration, cancellationToken);
        }

        return payload.Sequence;
    }
}

public sealed record PoolPayload(string Key, TimeSpan Duration, int Sequence = 0);

/// <summary>One at a time on the ordered queue, recording the order runs start in under its key.</summary>
public sealed class OrderedTask : TaskDefinition<OrderedPayload, int>
{
    public override string Id => "ordered-work";

    public override QueueOptions Queue => TestQueues.Ordered;

    public override async Task<int> RunAsync(OrderedPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        Probe.Record(payload.Key, payload.Sequence);
        await Task.Delay(payload.Hold, cancellationToken);
        return payload.Sequence;
    }
}

public sealed record OrderedPayload(string Key, int Sequence, TimeSpan Hold = default);

/// <summary>Echoes its payload and counts its executions under the payload's key.</summary>
public sealed class CountingTask : TaskDefinition<KeyPayload, string>
{
    public override string Id => "counting";

    public override Task<string> RunAsync(KeyPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        Probe.Count($"{payload.Key}:counting");
        return Task.FromResult(payload.Key);
    }
}

/// <summary>Triggers the counting task twice with one idempotency key (scoped as the payload says) and waits for both.</summary>
public sealed class KeyedParentTask(CountingTask counting) : TaskDefinition<KeyedParentPayload, IReadOnlyList<string>>
{
    public override string Id => "keyed-parent";

    public override async Task<IReadOnlyList<string>> RunAsync(KeyedParentPayload payload, TaskContext context, CancellationToken cancellationToken)
    {
        var options = new TriggerOptions { IdempotencyKey = "child", IdempotencyKeyScope = payload.Scope };
        var first = await counting.TriggerAndWaitAsync(new KeyPayload(payload.Key), options);
        var second = await counting.TriggerAndWaitAsync(new KeyPayload(payload.Key), options);
        return [first.RunId, second.RunId, second.Unwrap()];
    }
}

public sealed record KeyedParentPayload(string Key, IdempotencyKeyScope Scope);
