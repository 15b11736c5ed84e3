using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;

namespace OrleansTasks.Tests.Options;

[Collection(ClusterCollection.Name)]
public sealed class DebounceTests(ClusterFixture fixture)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly ITaskClient _tasks = fixture.Tasks;

    // The debounce window here is an hour, so every trigger of a test falls in it however slow the machine is; the run
    // is then started by rescheduling it to now. The timing rules themselves (pushing back, the MaxDelay bound) are
    // tested on a fake clock in RunMachineTests.
    private static readonly TimeSpan s_window = TimeSpan.FromHours(1);

    [Theory]
    [InlineData(DebounceMode.Leading, "first")]
    [InlineData(DebounceMode.Trailing, "last")]
    public async Task TriggersWithOneKey_MakeOneDelayedRun_WithThePayloadTheModeKeeps(DebounceMode mode, string expected)
    {
        var key = Guid.NewGuid().ToString("N");
        var debounce = new DebounceOptions { Key = key, Delay = s_window, Mode = mode };
        var first = await _tasks.For<CountingTask>().TriggerAsync(new KeyPayload($"{key}:first"), new TriggerOptions { Debounce = debounce });
        var dueFirst = (await _tasks.Runs.RetrieveAsync(first.Id)).DelayedUntil!.Value;

        var middle = await _tasks.For<CountingTask>().TriggerAsync(new KeyPayload($"{key}:middle"), new TriggerOptions { Debounce = debounce });
        var last = await _tasks.For<CountingTask>().TriggerAsync(new KeyPayload($"{key}:last"), new TriggerOptions { Debounce = debounce, Tags = ["last"] });

        Assert.Equal(first.Id, middle.Id);
        Assert.Equal(first.Id, last.Id);
        Assert.True(last.IsCached);
        var delayed = await _tasks.Runs.RetrieveAsync(first.Id);
        Assert.Equal(RunStatus.Delayed, delayed.Status);
        Assert.True(delayed.DelayedUntil >= dueFirst, "a later trigger never brings the start forward");

        await _tasks.Runs.RescheduleAsync(first.Id, TimeSpan.Zero);
        var run = await _tasks.Runs.PollAsync(first.Id).Within(s_timeout, "the debounced run");
        Assert.Equal($"{key}:{expected}", run.GetOutput<string>());
        Assert.Equal(mode == DebounceMode.Trailing ? ["last"] : [], run.Tags);
        Assert.Equal(key, run.DebounceKey);

        // Once the run has started, the key makes a new run.
        var next = await _tasks.For<CountingTask>().TriggerAsync(new KeyPayload($"{key}:next"), new TriggerOptions { Debounce = debounce });
        Assert.NotEqual(first.Id, next.Id);
        await _tasks.Runs.CancelAsync(next.Id);
    }

    [Fact]
    public async Task MaxDelay_BoundsHowFarTriggersPushTheRunBack()
    {
        // MaxDelay equal to Delay: the first trigger's start is already the bound, so no later trigger moves it.
        var key = Guid.NewGuid().ToString("N");
        var debounce = new DebounceOptions { Key = key, Delay = s_window, MaxDelay = s_window };
        var first = await _tasks.For<CountingTask>().TriggerAsync(new KeyPayload(key), new TriggerOptions { Debounce = debounce });
        var run = await _tasks.Runs.RetrieveAsync(first.Id);
        await _tasks.For<CountingTask>().TriggerAsync(new KeyPayload(key), new TriggerOptions { Debounce = debounce });

        Assert.Equal(run.DelayedUntil, (await _tasks.Runs.RetrieveAsync(first.Id)).DelayedUntil);
        Assert.InRange(run.DelayedUntil!.Value, run.CreatedAt + s_window - TimeSpan.FromSeconds(5), run.CreatedAt + s_window);
        await _tasks.Runs.CancelAsync(first.Id);
    }

    [Fact]
    public async Task BadDebounceOptions_AreRefused()
    {
        await Assert.ThrowsAsync<InvalidTriggerException>(() => _tasks.For<CountingTask>().TriggerAsync(new KeyPayload("x"),
            new TriggerOptions { Debounce = new DebounceOptions { Key = "k", Delay = TimeSpan.FromMilliseconds(10) } }));
        await Assert.ThrowsAsync<InvalidTriggerException>(() => _tasks.For<CountingTask>().TriggerAsync(new KeyPayload("x"),
            new TriggerOptions { Debounce = new DebounceOptions { Key = new string('k', 513), Delay = TimeSpan.FromSeconds(1) } }));
        var error = await Assert.ThrowsAsync<InvalidTriggerException>(() => _tasks.For<CountingTask>().TriggerAsync(new KeyPayload("x"),
            new TriggerOptions { Debounce = new DebounceOptions { Key = "k", Delay = TimeSpan.FromSeconds(1) }, Delay = TimeSpan.FromSeconds(1) }));
        Assert.Contains("Debounce sets the delay", error.Message, StringComparison.Ordinal);
    }
}
