using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Options;

[Collection(TwoSiloClusterCollection.Name)]
public sealed class IdempotencyTests(TwoSiloClusterFixture fixture)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly ITaskClient _tasks = fixture.Tasks;

    [Fact]
    public async Task HundredConcurrentTriggersWithOneKey_CreateExactlyOneRun()
    {
        var key = Guid.NewGuid().ToString("N");
        var handles = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ =>
            _tasks.For<CountingTask>().TriggerAsync(new KeyPayload(key), new TriggerOptions { IdempotencyKey = key })));

        var id = Assert.Single(handles.Select(h => h.Id).Distinct());
        Assert.Single(handles, h => !h.IsCached);
        var run = await _tasks.Runs.PollAsync(id).Within(s_timeout, "the one run");
        Assert.Equal(RunStatus.Completed, run.Status);
        Assert.Equal(key, run.IdempotencyKey);
        Assert.Equal(1, Probe.CountOf($"{key}:counting"));
    }

    [Fact]
    public async Task CompletedRun_KeepsItsKey_ButAnotherTaskOrAnotherKeyMakesANewRun()
    {
        var key = Guid.NewGuid().ToString("N");
        var first = await _tasks.For<CountingTask>().TriggerAsync(new KeyPayload(key), new TriggerOptions { IdempotencyKey = key });
        await _tasks.Runs.PollAsync(first.Id).Within(s_timeout, "the first run");

        var again = await _tasks.For<CountingTask>().TriggerAsync(new KeyPayload(key), new TriggerOptions { IdempotencyKey = key });
        Assert.Equal(first.Id, again.Id);
        Assert.True(again.IsCached);

        var otherTask = await _tasks.For<EchoTask>().TriggerAsync(new EchoPayload(1), new TriggerOptions { IdempotencyKey = key });
        Assert.NotEqual(first.Id, otherTask.Id);
        var otherKey = await _tasks.For<CountingTask>().TriggerAsync(new KeyPayload(key), new TriggerOptions { IdempotencyKey = key + "-2" });
        Assert.NotEqual(first.Id, otherKey.Id);
    }

    [Fact]
    public async Task FailedRun_FreesItsKey()
    {
        var key = Guid.NewGuid().ToString("N");
        var options = new TriggerOptions { IdempotencyKey = key, MaxAttempts = 1 };
        var first = await _tasks.For<AlwaysFailsTask>().TriggerAsync(new EmptyPayload(), options);
        Assert.Equal(RunStatus.Failed, (await _tasks.Runs.PollAsync(first.Id).Within(s_timeout, "the failing run")).Status);

        var second = await _tasks.For<AlwaysFailsTask>().TriggerAsync(new EmptyPayload(), options);
        Assert.NotEqual(first.Id, second.Id);
        Assert.False(second.IsCached);
    }

    [Fact]
    public async Task KeyTtl_WhenItRunsOut_TheKeyMakesANewRun()
    {
        var key = Guid.NewGuid().ToString("N");
        var options = new TriggerOptions { IdempotencyKey = key, IdempotencyKeyTtl = TimeSpan.FromSeconds(1) };
        var first = await _tasks.For<CountingTask>().TriggerAsync(new KeyPayload(key), options);
        var run = await _tasks.Runs.PollAsync(first.Id).Within(s_timeout, "the first run");
        Assert.Equal(run.CreatedAt + TimeSpan.FromSeconds(1), run.IdempotencyKeyExpiresAt);

        // Until the key runs out, a trigger returns the first run; then it makes a new one.
        var second = await Eventually.Poll(() => _tasks.For<CountingTask>().TriggerAsync(new KeyPayload(key), options), h => h.Id != first.Id, s_timeout, "the key to run out");
        Assert.False(second.IsCached);
        Assert.True(DateTimeOffset.UtcNow >= run.IdempotencyKeyExpiresAt);
    }

    [Fact]
    public async Task KeyOver2048Characters_IsRefusedAndNoRunIsMade()
    {
        var error = await Assert.ThrowsAsync<InvalidTriggerException>(() =>
            _tasks.For<CountingTask>().TriggerAsync(new KeyPayload("x"), new TriggerOptions { IdempotencyKey = new string('k', 2049) }));
        Assert.Contains("2,048", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BatchItemsWithOneKey_ShareOneRun()
    {
        var key = Guid.NewGuid().ToString("N");
        var batch = await _tasks.For<CountingTask>().BatchTriggerAsync(
        [
            new BatchItem<KeyPayload>(new KeyPayload(key), new TriggerOptions { IdempotencyKey = key }),
            new BatchItem<KeyPayload>(new KeyPayload(key), new TriggerOptions { IdempotencyKey = key }),
            new BatchItem<KeyPayload>(new KeyPayload(key)),
        ]);

        Assert.Equal(2, batch.Runs.Select(r => r.Id).Distinct().Count());
        await Task.WhenAll(batch.Runs.Select(r => _tasks.Runs.PollAsync(r.Id))).Within(s_timeout, "the batch runs");
        Assert.Equal(2, Probe.CountOf($"{key}:counting"));
    }

    [Theory]
    [InlineData(IdempotencyKeyScope.Run)]
    [InlineData(IdempotencyKeyScope.Global)]
    public async Task InsideATask_TheSecondTriggerWithTheKey_WaitsForTheFirstChild(IdempotencyKeyScope scope)
    {
        var key = Guid.NewGuid().ToString("N");
        var handle = await _tasks.For<KeyedParentTask>().TriggerAsync(new KeyedParentPayload(key, scope));
        var run = await _tasks.Runs.PollAsync(handle.Id).Within(s_timeout, "the parent");

        Assert.Equal(RunStatus.Completed, run.Status);
        var output = run.GetOutput<string[]>()!;
        Assert.Equal(output[0], output[1]);
        Assert.Equal(key, output[2]);
        Assert.Equal(1, Probe.CountOf($"{key}:counting"));
    }

    [Fact]
    public void Hash_FollowsTriggerDevsScheme()
    {
        // SHA-256 of the parts and the scope's material joined by "-".
        Assert.Equal(
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("order-42"u8)),
            IdempotencyKeys.Hash(IdempotencyKeys.FromParts("order", "42"), IdempotencyKeyScope.Global, "run_parent", 2));
        Assert.Equal(
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("k-run_parent"u8)),
            IdempotencyKeys.Hash("k", IdempotencyKeyScope.Run, "run_parent", 2));
        Assert.Equal(
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("k-run_parent-2"u8)),
            IdempotencyKeys.Hash("k", IdempotencyKeyScope.Attempt, "run_parent", 2));

        // Outside a task every scope is global.
        Assert.Equal(IdempotencyKeys.Hash("k", IdempotencyKeyScope.Global, null, 0), IdempotencyKeys.Hash("k", IdempotencyKeyScope.Run, null, 0));
    }
}
