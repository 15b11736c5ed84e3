using Microsoft.Extensions.Logging.Abstractions;
using OrleansTasks.Logs;
using OrleansTasks.Runs;

namespace OrleansTasks.Tests.Logs;

/// <summary>
/// What every run log store must do, run against each store by a derived class. Each test gets a store of its own (its
/// own service id in PostgreSQL) and runs of its own.
/// </summary>
public abstract class RunLogStoreContract
{
    protected static readonly DateTimeOffset Base = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    internal abstract IRunLogStore Store { get; }

    [Fact]
    public async Task ListAsync_EntriesAppendedInSeveralCalls_InTheOrderWritten()
    {
        // Keys and timestamps run against the writing order, so only the order written can explain the answer.
        var runId = NewRunId();
        var first = Entry(runId, 1, "c", at: Base.AddSeconds(3));
        var second = Entry(runId, 1, "a", at: Base.AddSeconds(1));
        var third = Entry(runId, 2, "b", at: Base.AddSeconds(2));
        var fourth = Entry(runId, 1, "b", at: Base);

        await Store.AppendAsync([first, second]);
        await Store.AppendAsync([third]);
        await Store.AppendAsync([fourth]);

        AssertEntries([first, second, third, fourth], await Store.ListAsync(runId, 100));
    }

    [Fact]
    public async Task AppendAsync_SameKeyAgainWithAnotherMessage_KeepsTheFirst()
    {
        var runId = NewRunId();
        var original = Entry(runId, 1, "0:1", "written first");

        await Store.AppendAsync([original]);
        await Store.AppendAsync([original with { Message = "written by a replay", Timestamp = Base.AddMinutes(5) }]);

        AssertEntries([original], await Store.ListAsync(runId, 100));
    }

    [Fact]
    public async Task AppendAsync_SameKeyTwiceInOneBatch_KeepsTheFirst()
    {
        var runId = NewRunId();
        var original = Entry(runId, 1, "0:1", "first in the batch");
        var next = Entry(runId, 1, "0:2");

        await Store.AppendAsync([original, original with { Message = "second in the batch" }, next]);

        AssertEntries([original, next], await Store.ListAsync(runId, 100));
    }

    [Fact]
    public async Task AppendAsync_SameKeyInAnotherAttempt_StoredAsAnotherEntry()
    {
        var runId = NewRunId();
        var firstAttempt = Entry(runId, 1, "0:1", "attempt one");
        var secondAttempt = Entry(runId, 2, "0:1", "attempt two");

        await Store.AppendAsync([firstAttempt]);
        await Store.AppendAsync([secondAttempt]);

        AssertEntries([firstAttempt, secondAttempt], await Store.ListAsync(runId, 100));
    }

    [Fact]
    public async Task ListAsync_PropertiesExceptionAndTrace_RoundTrip()
    {
        var runId = NewRunId();
        var full = Entry(runId, 3, "7:2") with
        {
            Level = RunLogLevel.Critical,
            Message = "Order 42 failed for \"ACME\" — ünïcödé 🚀",
            Properties = new Dictionary<string, string?> { ["OrderId"] = "42", ["Customer"] = "ACME", ["Missing"] = null, ["{OriginalFormat}"] = "Order {OrderId} failed" },
            Exception = new InvalidOperationException("boom").ToString(),
            TraceId = "4bf92f3577b34da6a3ce929d0e0e4736",
            SpanId = "00f067aa0ba902b7",
            Timestamp = new DateTimeOffset(2026, 3, 1, 14, 30, 15, 123, TimeSpan.FromHours(2)),
        };
        var bare = Entry(runId, 3, "7:3") with { Level = RunLogLevel.Trace };

        await Store.AppendAsync([full, bare]);

        AssertEntries([full, bare], await Store.ListAsync(runId, 100));
    }

    [Fact]
    public async Task ListAsync_LimitBelowTheCount_TheFirstEntriesWritten()
    {
        var runId = NewRunId();
        var entries = Enumerable.Range(0, 10).Select(i => Entry(runId, 1, $"0:{i}")).ToList();
        await Store.AppendAsync(entries);

        AssertEntries(entries.Take(4).ToList(), await Store.ListAsync(runId, 4));
    }

    [Fact]
    public async Task ListAsync_OtherRunsEntries_NotListed()
    {
        var mine = NewRunId();
        var other = NewRunId();
        var entry = Entry(mine, 1, "0:1");
        await Store.AppendAsync([Entry(other, 1, "0:1"), entry, Entry(other, 1, "0:2")]);

        AssertEntries([entry], await Store.ListAsync(mine, 100));
        Assert.Empty(await Store.ListAsync(NewRunId(), 100));
    }

    [Fact]
    public async Task DeleteOlderThanAsync_OldAndRecentEntries_DeletesOnlyTheOld()
    {
        var runId = NewRunId();
        var cutoff = Base.AddDays(-30);
        var old = Enumerable.Range(0, 4).Select(i => Entry(runId, 1, $"old:{i}", at: cutoff.AddMinutes(-i - 1))).ToList();
        var recent = new[] { Entry(runId, 1, "at-cutoff", at: cutoff), Entry(runId, 1, "recent", at: Base) };
        await Store.AppendAsync([old[0], recent[0], old[1], old[2], recent[1], old[3]]);

        var deleted = await Store.DeleteOlderThanAsync(cutoff, 100);

        Assert.Equal(4, deleted);
        AssertEntries(recent, await Store.ListAsync(runId, 100));
    }

    [Fact]
    public async Task DeleteOlderThanAsync_MoreThanOneBatch_DeletesAtMostTheBatchSizeEachCall()
    {
        var runs = new[] { NewRunId(), NewRunId() };
        var cutoff = Base.AddDays(-1);
        var old = Enumerable.Range(0, 7).Select(i => Entry(runs[i % 2], 1, $"0:{i}", at: cutoff.AddHours(-i - 1))).ToList();
        var recent = Entry(runs[0], 1, "recent", at: Base);
        await Store.AppendAsync([.. old, recent]);

        List<int> deleted = [];
        for (var i = 0; i < 4; i++)
        {
            deleted.Add(await Store.DeleteOlderThanAsync(cutoff, 3));
        }

        Assert.Equal([3, 3, 1, 0], deleted);
        AssertEntries([recent], await Store.ListAsync(runs[0], 100));
        Assert.Empty(await Store.ListAsync(runs[1], 100));
    }

    [Fact]
    public async Task FlushAsync_ManyEntriesAppendedBefore_EveryOneStoredInOrder()
    {
        var runs = new[] { NewRunId(), NewRunId(), NewRunId() };
        var entries = Enumerable.Range(0, 1234).Select(i => Entry(runs[i % 3], 1 + (i % 2), $"0:{i}")).ToList();
        await using var writer = new RunLogWriter(Store, NullLogger<RunLogWriter>.Instance);

        foreach (var entry in entries)
        {
            writer.Append(entry);
        }

        await writer.FlushAsync(TestContext.Current.CancellationToken);

        foreach (var runId in runs)
        {
            AssertEntries(entries.Where(e => e.RunId == runId).ToList(), await Store.ListAsync(runId, 10_000));
        }

        Assert.Equal(0, writer.DroppedCount);
    }

    internal static string NewRunId() => RunIds.NewRunId(DateTimeOffset.UtcNow);

    internal static RunLogEntry Entry(string runId, int attempt, string key, string? message = null, DateTimeOffset? at = null) => new()
    {
        RunId = runId,
        Attempt = attempt,
        Key = key,
        Level = RunLogLevel.Information,
        Message = message ?? $"line {key} of attempt {attempt}",
        Properties = new Dictionary<string, string?>(),
        Timestamp = at ?? Base,
    };

    internal static void AssertEntries(IReadOnlyList<RunLogEntry> expected, IReadOnlyList<RunLogEntry> actual)
    {
        // Records compare their dictionaries by reference, so each entry is compared field by field.
        Assert.Equal(expected.Select(e => (e.RunId, e.Attempt, e.Key)), actual.Select(e => (e.RunId, e.Attempt, e.Key)));
        foreach (var (want, got) in expected.Zip(actual))
        {
            Assert.Equal(want.Level, got.Level);
            Assert.Equal(want.Message, got.Message);
            Assert.Equal(want.Properties.OrderBy(p => p.Key, StringComparer.Ordinal), got.Properties.OrderBy(p => p.Key, StringComparer.Ordinal));
            Assert.Equal(want.Timestamp, got.Timestamp);
            Assert.Equal(want.Exception, got.Exception);
            Assert.Equal(want.TraceId, got.TraceId);
            Assert.Equal(want.SpanId, got.SpanId);
        }
    }
}
