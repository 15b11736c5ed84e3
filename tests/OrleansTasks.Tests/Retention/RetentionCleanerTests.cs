using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OrleansTasks.Hosting;
using OrleansTasks.Logs;
using OrleansTasks.Retention;
using OrleansTasks.Storage;
using OrleansTasks.Streams;
using OrleansTasks.Tests.Infrastructure;
using static OrleansTasks.Tests.Logs.RunLogStoreContract;

namespace OrleansTasks.Tests.Retention;

/// <summary>Retention: the cleaner over in-memory stores (on a fake clock), and the options' validation.</summary>
public sealed class RetentionCleanerTests
{
    private readonly InMemoryRunLogStore _logs = new();
    private readonly InMemoryRunStreamStore _streams;
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly InMemoryRunStore _runs;

    public RetentionCleanerTests()
    {
        _runs = new InMemoryRunStore(_clock);
        _streams = new InMemoryRunStreamStore(_clock);
    }

    [Fact]
    public async Task CleanAsync_OldLogEntriesOverSeveralBatches_DeletesEveryOldOneAndKeepsTheRecent()
    {
        var runId = NewRunId();
        var now = _clock.GetUtcNow();
        var old = Enumerable.Range(0, 8).Select(i => Entry(runId, 1, $"old:{i}", at: now.AddDays(-2).AddMinutes(-i))).ToList();
        var recent = Enumerable.Range(0, 2).Select(i => Entry(runId, 1, $"recent:{i}", at: now.AddHours(-i))).ToList();
        await _logs.AppendAsync([.. old, .. recent]);
        var cleaner = NewCleaner(runRetention: null, logRetention: TimeSpan.FromDays(1), new RetentionCleanerOptions { BatchSize = 3 });

        var (_, deleted, _) = await cleaner.CleanAsync(TestContext.Current.CancellationToken);

        Assert.Equal(8, deleted);
        Assert.Equal(recent.Select(e => e.Key), (await _logs.ListAsync(runId, 100)).Select(e => e.Key));
    }

    [Fact]
    public async Task CleanAsync_FinishedRunsPastTheirRetention_AreDeletedWithTheirLogs_OthersKept()
    {
        var now = _clock.GetUtcNow();
        var oldDone = await InsertAsync(RunStatus.Completed, now.AddDays(-40), now.AddDays(-35));
        var oldFailed = await InsertAsync(RunStatus.Failed, now.AddDays(-40), now.AddDays(-39));
        var longWaitJustEnded = await InsertAsync(RunStatus.Completed, now.AddDays(-40), now.AddHours(-1));
        var stillWaiting = await InsertAsync(RunStatus.Waiting, now.AddDays(-40), finishedAt: null);
        await _logs.AppendAsync([Entry(oldDone, 1, "a", at: now.AddDays(-36)), Entry(longWaitJustEnded, 1, "b", at: now.AddDays(-36))]);
        var cleaner = NewCleaner(runRetention: TimeSpan.FromDays(30), logRetention: null, new RetentionCleanerOptions { BatchSize = 1 });

        var (runs, _, _) = await cleaner.CleanAsync(TestContext.Current.CancellationToken);

        Assert.Equal(2, runs);
        Assert.Null(await _runs.LoadAsync(oldDone));
        Assert.Null(await _runs.LoadAsync(oldFailed));
        Assert.NotNull(await _runs.LoadAsync(longWaitJustEnded));
        Assert.NotNull(await _runs.LoadAsync(stillWaiting));
        Assert.Empty(await _logs.ListAsync(oldDone, 100));
        Assert.Single(await _logs.ListAsync(longWaitJustEnded, 100)); // kept: LogRetention is null
    }

    [Fact]
    public async Task CleanAsync_RetentionsNull_DeletesNothing()
    {
        var runId = NewRunId();
        await _logs.AppendAsync([Entry(runId, 1, "ancient", at: _clock.GetUtcNow().AddYears(-5))]);
        var old = await InsertAsync(RunStatus.Completed, _clock.GetUtcNow().AddYears(-5), _clock.GetUtcNow().AddYears(-5));
        var cleaner = NewCleaner(runRetention: null, logRetention: null, new RetentionCleanerOptions());

        Assert.Equal((0, 0, 0), await cleaner.CleanAsync(TestContext.Current.CancellationToken));
        Assert.Single(await _logs.ListAsync(runId, 100));
        Assert.NotNull(await _runs.LoadAsync(old));
    }

    [Fact]
    public async Task StartAsync_CleansAfterTheFirstDelay_ThenEveryInterval_UntilStopped()
    {
        var runId = NewRunId();
        await _logs.AppendAsync([Entry(runId, 1, "old", at: _clock.GetUtcNow().AddDays(-2))]);
        var cleaner = NewCleaner(runRetention: null, logRetention: TimeSpan.FromDays(1), new RetentionCleanerOptions { FirstPassDelay = TimeSpan.FromMinutes(1), Interval = TimeSpan.FromHours(1) });

        // Time moves on at each look, so the cleaner's wait ends whenever its loop has reached it.
        await cleaner.StartAsync(TestContext.Current.CancellationToken);
        Assert.Single(await _logs.ListAsync(runId, 100));
        await Eventually.Poll(() => AfterAsync(TimeSpan.FromMinutes(2)), e => e.Count == 0, TimeSpan.FromSeconds(10), "the first pass");

        // The next pass, an interval later, finds entries that grew old since.
        await _logs.AppendAsync([Entry(runId, 1, "old later", at: _clock.GetUtcNow().AddDays(-3))]);
        await Eventually.Poll(() => AfterAsync(TimeSpan.FromHours(2)), e => e.Count == 0, TimeSpan.FromSeconds(10), "a later pass");
        await cleaner.StopAsync(TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Task<IReadOnlyList<RunLogEntry>> AfterAsync(TimeSpan time)
        {
            _clock.Advance(time);
            return _logs.ListAsync(runId, 100);
        }
    }

    [Fact]
    public async Task CleanAsync_StreamChunksPastTheirRetention_AreDeleted_RecentOnesKept()
    {
        await _streams.AppendAsync(new StreamRows("run_old", "tokens", "run_old/a1", 1, 0, ["\"a\"", "\"b\""], End: true));
        _clock.Advance(TimeSpan.FromDays(29));
        await _streams.AppendAsync(new StreamRows("run_new", "tokens", "run_new/a1", 1, 0, ["\"c\""], End: false));
        var cleaner = NewCleaner(runRetention: null, logRetention: null, new RetentionCleanerOptions(), streamRetention: TimeSpan.FromDays(28));

        var (_, _, chunks) = await cleaner.CleanAsync(TestContext.Current.CancellationToken);

        Assert.Equal(3, chunks); // two chunks and the row that ended the stream
        Assert.Empty((await _streams.ReadAsync("run_old", "tokens", 0, 10)).Chunks);
        Assert.Equal(["\"c\""], (await _streams.ReadAsync("run_new", "tokens", 0, 10)).Chunks.Select(c => c.Json));
    }

    [Theory]
    [InlineData(0.0, false)]
    [InlineData(-1.0, false)]
    [InlineData(0.5, true)]
    [InlineData(30.0, true)]
    [InlineData(null, true)]
    public void Validate_Retentions_PositiveOrNullOnly(double? days, bool valid)
    {
        var retention = days is { } d ? TimeSpan.FromDays(d) : (TimeSpan?)null;
        foreach (var (options, setting) in new[]
        {
            (new OrleansTasksOptions { LogRetention = retention }, "OrleansTasks:LogRetention"),
            (new OrleansTasksOptions { RunRetention = retention }, "OrleansTasks:RunRetention"),
            (new OrleansTasksOptions { StreamRetention = retention }, "OrleansTasks:StreamRetention"),
        })
        {
            var result = new OrleansTasksOptionsValidator().Validate(null, options);

            Assert.Equal(valid, result.Succeeded);
            if (!valid)
            {
                Assert.Contains(setting, result.FailureMessage, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Retentions_Default_ThirtyDays_AndStreams28()
    {
        Assert.Equal(TimeSpan.FromDays(30), new OrleansTasksOptions().LogRetention);
        Assert.Equal(TimeSpan.FromDays(30), new OrleansTasksOptions().RunRetention);
        Assert.Equal(TimeSpan.FromDays(28), new OrleansTasksOptions().StreamRetention);
    }

    private async Task<string> InsertAsync(RunStatus status, DateTimeOffset createdAt, DateTimeOffset? finishedAt)
    {
        var id = NewRunId();
        var state = new RunState
        {
            Id = id,
            TaskId = "echo",
            Status = status,
            Queue = "echo",
            CreatedAt = createdAt,
            UpdatedAt = finishedAt ?? createdAt,
            FinishedAt = finishedAt,
            Version = 1,
            PayloadJson = "{}",
            MaxAttempts = 3,
        };
        Assert.True(await _runs.TryInsertAsync(RunRow.From(state)));
        return id;
    }

    private RetentionCleaner NewCleaner(TimeSpan? runRetention, TimeSpan? logRetention, RetentionCleanerOptions settings, TimeSpan? streamRetention = null) => new(
        _runs,
        _logs,
        _streams,
        Microsoft.Extensions.Options.Options.Create(new OrleansTasksOptions { RunRetention = runRetention, LogRetention = logRetention, StreamRetention = streamRetention }),
        Microsoft.Extensions.Options.Options.Create(settings),
        _clock,
        NullLogger<RetentionCleaner>.Instance);
}
