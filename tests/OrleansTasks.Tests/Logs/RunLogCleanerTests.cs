using Microsoft.Extensions.Logging.Abstractions;
using OrleansTasks.Hosting;
using OrleansTasks.Logs;
using OrleansTasks.Tests.Infrastructure;
using static OrleansTasks.Tests.Logs.RunLogStoreContract;

namespace OrleansTasks.Tests.Logs;

/// <summary>Log retention: the cleaner over an in-memory store, and the option's validation.</summary>
public sealed class RunLogCleanerTests
{
    private readonly InMemoryRunLogStore _store = new();

    [Fact]
    public async Task CleanAsync_OldEntriesOverSeveralBatches_DeletesEveryOldOneAndKeepsTheRecent()
    {
        var runId = NewRunId();
        var now = DateTimeOffset.UtcNow;
        var old = Enumerable.Range(0, 8).Select(i => Entry(runId, 1, $"old:{i}", at: now.AddDays(-2).AddMinutes(-i))).ToList();
        var recent = Enumerable.Range(0, 2).Select(i => Entry(runId, 1, $"recent:{i}", at: now.AddHours(-i))).ToList();
        await _store.AppendAsync([.. old, .. recent]);
        var cleaner = NewCleaner(TimeSpan.FromDays(1), new RunLogCleanerOptions { BatchSize = 3 });

        var deleted = await cleaner.CleanAsync(TestContext.Current.CancellationToken);

        Assert.Equal(8, deleted);
        Assert.Equal(recent.Select(e => e.Key), (await _store.ListAsync(runId, 100)).Select(e => e.Key));
    }

    [Fact]
    public async Task CleanAsync_RetentionNull_DeletesNothing()
    {
        var runId = NewRunId();
        await _store.AppendAsync([Entry(runId, 1, "ancient", at: DateTimeOffset.UtcNow.AddYears(-5))]);
        var cleaner = NewCleaner(retention: null, new RunLogCleanerOptions());

        Assert.Equal(0, await cleaner.CleanAsync(TestContext.Current.CancellationToken));
        Assert.Single(await _store.ListAsync(runId, 100));
    }

    [Fact]
    public async Task StartAsync_ShortIntervals_CleansOnItsOwnUntilStopped()
    {
        var runId = NewRunId();
        await _store.AppendAsync([Entry(runId, 1, "old", at: DateTimeOffset.UtcNow.AddDays(-2))]);
        var cleaner = NewCleaner(TimeSpan.FromDays(1), new RunLogCleanerOptions { FirstPassDelay = TimeSpan.FromMilliseconds(10), Interval = TimeSpan.FromMilliseconds(50) });

        await cleaner.StartAsync(TestContext.Current.CancellationToken);
        await Eventually.Poll(() => _store.ListAsync(runId, 100), e => e.Count == 0, TimeSpan.FromSeconds(10), "the first pass");

        // The next passes find entries that grew old since.
        await _store.AppendAsync([Entry(runId, 1, "old later", at: DateTimeOffset.UtcNow.AddDays(-3))]);
        await Eventually.Poll(() => _store.ListAsync(runId, 100), e => e.Count == 0, TimeSpan.FromSeconds(10), "a later pass");
        await cleaner.StopAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
    }

    [Theory]
    [InlineData(0.0, false)]
    [InlineData(-1.0, false)]
    [InlineData(0.5, true)]
    [InlineData(30.0, true)]
    [InlineData(null, true)]
    public void Validate_LogRetention_PositiveOrNullOnly(double? days, bool valid)
    {
        var options = new OrleansTasksOptions { LogRetention = days is { } d ? TimeSpan.FromDays(d) : null };

        var result = new OrleansTasksOptionsValidator().Validate(null, options);

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("OrleansTasks:LogRetention", result.FailureMessage, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void LogRetention_Default_ThirtyDays()
    {
        Assert.Equal(TimeSpan.FromDays(30), new OrleansTasksOptions().LogRetention);
    }

    private RunLogCleaner NewCleaner(TimeSpan? retention, RunLogCleanerOptions settings) => new(
        _store,
        Microsoft.Extensions.Options.Options.Create(new OrleansTasksOptions { LogRetention = retention }),
        Microsoft.Extensions.Options.Options.Create(settings),
        TimeProvider.System,
        NullLogger<RunLogCleaner>.Instance);
}
