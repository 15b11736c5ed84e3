using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Options;

[Collection(ClusterCollection.Name)]
public sealed class DebounceTests(ClusterFixture fixture)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly ITaskClient _tasks = fixture.Tasks;

    [Theory]
    [InlineData(DebounceMode.Leading, "first")]
    [InlineData(DebounceMode.Trailing, "last")]
    public async Task TriggersWithOneKey_MakeOneDelayedRun_WithThePayloadTheModeKeeps(DebounceMode mode, string expected)
    {
        var key = Guid.NewGuid().ToString("N");
        var debounce = new DebounceOptions { Key = key, Delay = TimeSpan.FromSeconds(1), Mode = mode };
        var first = await _tasks.TriggerAsync<CountingTask>(new KeyPayload($"{key}:first"), new TriggerOptions { Debounce = debounce });
        Assert.Equal(RunStatus.Delayed, (await _tasks.Runs.RetrieveAsync(first.Id)).Status);
        var dueFirst = (await _tasks.Runs.RetrieveAsync(first.Id)).DelayedUntil!.Value;

        await Task.Delay(300);
        var middle = await _tasks.TriggerAsync<CountingTask>(new KeyPayload($"{key}:middle"), new TriggerOptions { Debounce = debounce });
        var last = await _tasks.TriggerAsync<CountingTask>(new KeyPayload($"{key}:last"), new TriggerOptions { Debounce = debounce, Tags = ["last"] });

        Assert.Equal(first.Id, middle.Id);
        Assert.Equal(first.Id, last.Id);
        Assert.True(last.IsCached);
        var pushedBack = await _tasks.Runs.RetrieveAsync(first.Id);
        Assert.True(pushedBack.DelayedUntil > dueFirst, "a later trigger pushes the start back");

        var run = await _tasks.Runs.PollAsync(first.Id).Within(s_timeout, "the debounced run");
        Assert.Equal($"{key}:{expected}", run.GetOutput<string>());
        Assert.Equal(mode == DebounceMode.Trailing ? ["last"] : [], run.Tags);
        Assert.Equal(key, run.DebounceKey);

        // Once the run has started, the key makes a new run.
        var next = await _tasks.TriggerAsync<CountingTask>(new KeyPayload($"{key}:next"), new TriggerOptions { Debounce = debounce });
        Assert.NotEqual(first.Id, next.Id);
    }

    [Fact]
    public async Task MaxDelay_BoundsHowFarTriggersPushTheRunBack()
    {
        var key = Guid.NewGuid().ToString("N");
        var debounce = new DebounceOptions { Key = key, Delay = TimeSpan.FromSeconds(5), MaxDelay = TimeSpan.FromSeconds(6) };
        var first = await _tasks.TriggerAsync<CountingTask>(new KeyPayload(key), new TriggerOptions { Debounce = debounce });
        var created = (await _tasks.Runs.RetrieveAsync(first.Id)).CreatedAt;
        await Task.Delay(1500);
        await _tasks.TriggerAsync<CountingTask>(new KeyPayload(key), new TriggerOptions { Debounce = debounce });

        var run = await _tasks.Runs.RetrieveAsync(first.Id);
        Assert.True(run.DelayedUntil <= created + TimeSpan.FromSeconds(6.1), $"due {run.DelayedUntil:O}, created {created:O}");
        await _tasks.Runs.CancelAsync(first.Id);
    }

    [Fact]
    public async Task BadDebounceOptions_AreRefused()
    {
        await Assert.ThrowsAsync<InvalidTriggerException>(() => _tasks.TriggerAsync<CountingTask>(new KeyPayload("x"),
            new TriggerOptions { Debounce = new DebounceOptions { Key = "k", Delay = TimeSpan.FromMilliseconds(10) } }));
        await Assert.ThrowsAsync<InvalidTriggerException>(() => _tasks.TriggerAsync<CountingTask>(new KeyPayload("x"),
            new TriggerOptions { Debounce = new DebounceOptions { Key = new string('k', 513), Delay = TimeSpan.FromSeconds(1) } }));
        var error = await Assert.ThrowsAsync<InvalidTriggerException>(() => _tasks.TriggerAsync<CountingTask>(new KeyPayload("x"),
            new TriggerOptions { Debounce = new DebounceOptions { Key = "k", Delay = TimeSpan.FromSeconds(1) }, Delay = TimeSpan.FromSeconds(1) }));
        Assert.Contains("Debounce sets the delay", error.Message, StringComparison.Ordinal);
    }
}
