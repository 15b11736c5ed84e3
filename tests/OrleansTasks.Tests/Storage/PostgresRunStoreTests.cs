using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansTasks.Storage;
using OrleansTasks.Storage.Postgres;
using OrleansTasks.Tests.Infrastructure;

namespace OrleansTasks.Tests.Storage;

[Trait("Category", "Postgres")]
public sealed class PostgresRunStoreTests : IClassFixture<PostgresDatabase>, IAsyncLifetime
{
    private readonly PostgresDatabase _database;
    private NpgsqlDataSource? _dataSource;
    private PostgresRunStore? _store;

    public PostgresRunStoreTests(PostgresDatabase database)
    {
        _database = database;
    }

    private PostgresRunStore Store => _store!;

    public async ValueTask InitializeAsync()
    {
        PostgresDatabase.SkipUnlessAvailable();
        _dataSource = NpgsqlDataSource.Create(_database.ConnectionString);
        await new PostgresMigrator(_dataSource, NullLogger<PostgresMigrator>.Instance).MigrateAsync(CancellationToken.None);
        _store = new PostgresRunStore(_dataSource, "test-service", NullLogger<PostgresRunStore>.Instance);
    }

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }
    }

    [Fact]
    public async Task TryInsertAsync_NewThenSameId_TrueThenFalse()
    {
        var row = NewRow();

        Assert.True(await Store.TryInsertAsync(row));
        Assert.False(await Store.TryInsertAsync(row with { PayloadJson = """{"other":true}""" }));
        Assert.Equal(row.PayloadJson, (await Store.LoadAsync(row.Id))!.PayloadJson);
    }

    [Fact]
    public async Task LoadAsync_RoundTripsEveryColumnAndTheStateDocument()
    {
        var state = NewState();
        state.Tags = ["a", "b c", "ünï"];
        state.BatchId = "batch_1";
        state.WakeAt = DateTimeOffset.UtcNow.AddMinutes(5);
        state.Attempts.Add(new RunAttempt(1, AttemptStatus.Failed, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, new TaskRunError("T", "m", "s"), "silo"));
        await Store.TryInsertAsync(RunRow.From(state));

        var loaded = (await Store.LoadAsync(state.Id))!.ToState();

        Assert.Equal(state.Tags, loaded.Tags);
        Assert.Equal(state.BatchId, loaded.BatchId);
        Assert.Equal(state.WakeAt!.Value.ToUnixTimeMilliseconds(), loaded.WakeAt!.Value.ToUnixTimeMilliseconds());
        Assert.Equal("m", Assert.Single(loaded.Attempts).Error!.Message);
        Assert.Equal(state.PayloadJson, loaded.PayloadJson);
        Assert.Equal(RunStatus.Queued, loaded.Status);
    }

    [Fact]
    public async Task EveryColumn_RoundTripsThroughInsert_AndASaveWritesOnlyWhatMayChange()
    {
        // Whole milliseconds: PostgreSQL keeps microseconds, DateTimeOffset ticks.
        var t = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var inserted = RunRow.From(NewState()) with
        {
            Status = "DELAYED", Queue = "q1", QueueOrder = 17, Machine = "large-1x", Tags = ["x", "y z"], BatchId = "batch_a",
            ParentRunId = "run_parent", RootRunId = "run_root", Depth = 2, CreatedAt = t, UpdatedAt = t.AddSeconds(1),
            StartedAt = t.AddSeconds(2), FinishedAt = t.AddSeconds(3), WakeAt = t.AddSeconds(4), Owner = "silo-a", Version = 5,
            PayloadJson = """{"p":1}""", OutputJson = """{"o":1}""", ConcurrencyKey = "tenant-1", IdempotencyKey = "idem-1",
            ExpiresAt = t.AddSeconds(5), ResumeRequested = true,
        };
        await Store.TryInsertAsync(inserted);
        var loaded = (await Store.LoadAsync(inserted.Id))!;
        Assert.Equal(Comparable(inserted), Comparable(loaded));
        Assert.Equal(inserted.Tags, loaded.Tags);

        var saved = inserted with
        {
            TaskId = "other-task", Status = "COMPLETED", Queue = "q2", QueueOrder = 18, Machine = "small-1x", Tags = ["w"], BatchId = null,
            ParentRunId = "run_other", RootRunId = "run_other", Depth = 9, CreatedAt = t.AddDays(1), UpdatedAt = t.AddSeconds(10),
            StartedAt = null, FinishedAt = t.AddSeconds(11), WakeAt = null, Owner = null, Version = 6,
            PayloadJson = """{"p":2}""", OutputJson = """{"o":2}""", ConcurrencyKey = null, IdempotencyKey = null,
            ExpiresAt = null, ResumeRequested = false,
        };
        await Store.SaveAsync(saved);
        var afterSave = (await Store.LoadAsync(inserted.Id))!;

        // What never changes after the insert stays; the payload changes only when the save says it did.
        var expected = saved with
        {
            TaskId = inserted.TaskId, ParentRunId = inserted.ParentRunId, RootRunId = inserted.RootRunId, Depth = inserted.Depth,
            CreatedAt = inserted.CreatedAt, PayloadJson = inserted.PayloadJson,
        };
        Assert.Equal(Comparable(expected), Comparable(afterSave));
        Assert.Equal(["w"], afterSave.Tags);

        await Store.SaveAsync(saved with { Version = 7, PayloadChanged = true });
        Assert.Equal(saved.PayloadJson, (await Store.LoadAsync(inserted.Id))!.PayloadJson);
    }

    private static readonly byte[] s_stateComparedApart = [];

    /// <summary>A row with its arrays and JSON documents put in comparable form (json columns come back reformatted); the state document apart.</summary>
    private static (RunRow Row, string State) Comparable(RunRow row) => (row with
    {
        Tags = [], // compared on their own: arrays compare by reference
        StateUtf8 = s_stateComparedApart,
        PayloadJson = System.Text.Json.Nodes.JsonNode.Parse(row.PayloadJson)!.ToJsonString(),
        OutputJson = row.OutputJson is null ? null : System.Text.Json.Nodes.JsonNode.Parse(row.OutputJson)!.ToJsonString(),
        PayloadChanged = false,
    }, System.Text.Json.Nodes.JsonNode.Parse(row.StateJson)!.ToJsonString());

    [Fact]
    public async Task SaveAsync_OlderVersionAfterNewer_IsIgnored()
    {
        var state = NewState();
        await Store.TryInsertAsync(RunRow.From(state));
        state.Version = 3;
        state.Status = RunStatus.Completed;
        state.OutputJson = "42";
        var newer = RunRow.From(state);
        state.Version = 2;
        state.Status = RunStatus.Executing;
        var older = RunRow.From(state);

        await Store.SaveAsync(newer);
        await Store.SaveAsync(older);

        var loaded = await Store.LoadAsync(state.Id);
        Assert.Equal("COMPLETED", loaded!.Status);
        Assert.Equal(3, loaded.Version);
        Assert.Equal("42", loaded.OutputJson);
    }

    [Fact]
    public async Task Writes_ManyAtOnce_AreGroupedIntoFewCommits()
    {
        var commitsBefore = await CommittedTransactionsAsync();
        var rows = Enumerable.Range(0, 2000).Select(_ => NewRow()).ToList();

        var inserted = await Task.WhenAll(rows.Select(r => Store.TryInsertAsync(r)));

        Assert.All(inserted, Assert.True);
        var commits = await CommittedTransactionsAsync() - commitsBefore;
        Assert.True(commits < 200, $"2,000 inserts took {commits} commits");
        Assert.Equal(2000, (await Task.WhenAll(rows.Select(r => Store.LoadAsync(r.Id)))).Count(r => r is not null));
    }

    [Fact]
    public async Task Writes_OneBadRowInABatch_FailsOnlyItsOwnCaller()
    {
        var good = Enumerable.Range(0, 50).Select(_ => NewRow()).ToList();
        var bad = NewRow() with { Tags = ["nul\0byte"] };

        var writes = good.Select(r => Store.TryInsertAsync(r)).Append(Store.TryInsertAsync(bad)).ToList();
        var results = await Task.WhenAll(writes.Select(async w =>
        {
            try
            {
                return await w;
            }
            catch (PostgresException)
            {
                return (bool?)null;
            }
        }));

        Assert.Equal(50, results.Count(r => r == true));
        Assert.Null(results[^1]);
        Assert.Null(await Store.LoadAsync(bad.Id));
    }

    [Fact]
    public async Task FindOrphansAsync_ReturnsRunsOwnedBySilosNotLive()
    {
        var orphan = NewState();
        orphan.Owner = "10.0.0.1:1@1";
        var owned = NewState();
        owned.Owner = "10.0.0.2:1@1";
        var finished = NewState();
        finished.Owner = null;
        foreach (var state in new[] { orphan, owned, finished })
        {
            await Store.TryInsertAsync(RunRow.From(state));
        }

        // Other tests of this class leave thousands of owned rows in the same table: ask for all of them.
        var orphans = await Store.FindOrphansAsync(["10.0.0.2:1@1"], 1_000_000);

        Assert.Contains(orphan.Id, orphans);
        Assert.DoesNotContain(owned.Id, orphans);
        Assert.DoesNotContain(finished.Id, orphans);
    }

    [Fact]
    public async Task FindDueAsync_ReturnsSuspendedRunsDueWithinTheWindowSoonestFirst()
    {
        var now = DateTimeOffset.UtcNow;
        var late = Suspended(now.AddSeconds(20));
        var soon = Suspended(now.AddSeconds(5));
        var beyond = Suspended(now.AddMinutes(10));
        foreach (var state in new[] { late, soon, beyond })
        {
            await Store.TryInsertAsync(RunRow.From(state));
        }

        var due = (await Store.FindDueAsync(now, now.AddSeconds(30), 10_000)).Select(d => d.RunId).ToList();
        var afterSoon = (await Store.FindDueAsync(now.AddSeconds(10), now.AddSeconds(30), 10_000)).Select(d => d.RunId).ToList();

        Assert.True(due.IndexOf(soon.Id) >= 0 && due.IndexOf(soon.Id) < due.IndexOf(late.Id));
        Assert.DoesNotContain(beyond.Id, due);
        Assert.Contains(late.Id, afterSoon);
        Assert.DoesNotContain(soon.Id, afterSoon);
    }

    [Fact]
    public async Task TwoServicesInOneDatabase_NeverSeeEachOthersRuns()
    {
        await using var other = new PostgresRunStore(_dataSource!, "other-service", NullLogger<PostgresRunStore>.Instance);
        var mine = NewState();
        mine.Owner = "10.9.9.9:1@1";
        var theirs = Suspended(DateTimeOffset.UtcNow.AddSeconds(-10));
        await Store.TryInsertAsync(RunRow.From(mine));
        await other.TryInsertAsync(RunRow.From(theirs));

        Assert.Null(await other.LoadAsync(mine.Id));
        Assert.Null(await Store.LoadAsync(theirs.Id));
        Assert.DoesNotContain(mine.Id, await other.FindOrphansAsync([], 100_000));
        Assert.Contains(mine.Id, await Store.FindOrphansAsync([], 100_000));
        Assert.DoesNotContain(theirs.Id, (await Store.FindDueAsync(DateTimeOffset.MinValue, DateTimeOffset.UtcNow, 1000)).Select(d => d.RunId));
        Assert.Contains(theirs.Id, (await other.FindDueAsync(DateTimeOffset.MinValue, DateTimeOffset.UtcNow, 1000)).Select(d => d.RunId));
    }

    [Fact]
    public async Task LoadQueueAsync_IncludesWaitingRunsThatAskedToResume_NotThoseWaitingInMemory()
    {
        var queue = "resume-" + Guid.NewGuid().ToString("N");
        var resuming = NewState();
        resuming.Queue = queue;
        resuming.Status = RunStatus.Waiting;
        resuming.ResumeRequested = true;
        var waiting = NewState();
        waiting.Queue = queue;
        waiting.Status = RunStatus.Waiting;
        var queued = NewState();
        queued.Queue = queue;
        foreach (var state in new[] { resuming, waiting, queued })
        {
            await Store.TryInsertAsync(RunRow.From(state));
        }

        var entries = await Store.LoadQueueAsync(queue, DateTimeOffset.UtcNow);

        Assert.Equal(new[] { queued.Id, resuming.Id }.Order(StringComparer.Ordinal), entries.Select(e => e.RunId).Order(StringComparer.Ordinal));
        Assert.All(entries, e => Assert.True(e.WaitsForSlot));
        Assert.True(entries.Single(e => e.RunId == resuming.Id).ResumeRequested);
        Assert.Contains(queue, await Store.FindQueuesWithBacklogAsync());

        // Once it has its slot back the flag is cleared with the same save.
        resuming.ResumeRequested = false;
        resuming.Status = RunStatus.Executing;
        resuming.Version++;
        await Store.SaveAsync(RunRow.From(resuming));
        Assert.False((await Store.LoadQueueAsync(queue, DateTimeOffset.UtcNow)).Single(e => e.RunId == resuming.Id).ResumeRequested);
    }

    [Fact]
    public async Task SaveAsync_WithWakeRunIds_MakesSuspendedWaitingRunsDueInTheSameCommit_AndNothingElse()
    {
        var now = DateTimeOffset.UtcNow;
        var parent = Suspended(now.AddMinutes(10));
        parent.Status = RunStatus.Waiting;
        var retrying = Suspended(now.AddMinutes(10)); // QUEUED, waiting for its retry: a child's end must not hurry it
        var live = NewState();
        live.Status = RunStatus.Waiting;
        live.WakeAt = now.AddMinutes(10);
        var child = NewState();
        foreach (var state in new[] { parent, retrying, live, child })
        {
            await Store.TryInsertAsync(RunRow.From(state));
        }

        child.Status = RunStatus.Completed;
        child.Owner = null;
        child.Version++;
        await Store.SaveAsync(RunRow.From(child) with { WakeRunIds = [parent.Id, retrying.Id, live.Id, "run_missing"] });

        Assert.True((await Store.LoadAsync(parent.Id))!.WakeAt <= DateTimeOffset.UtcNow);
        Assert.Equal(now.AddMinutes(10).ToUnixTimeMilliseconds(), (await Store.LoadAsync(retrying.Id))!.WakeAt!.Value.ToUnixTimeMilliseconds());
        Assert.Equal(now.AddMinutes(10).ToUnixTimeMilliseconds(), (await Store.LoadAsync(live.Id))!.WakeAt!.Value.ToUnixTimeMilliseconds());
        Assert.Contains(parent.Id, (await Store.FindDueAsync(DateTimeOffset.MinValue, DateTimeOffset.UtcNow, 1_000_000)).Select(d => d.RunId));
    }

    [Fact]
    public async Task SaveAsync_ASecondSaveWhileTheFirstWaitsForABatch_MergesIntoIt_OneWrite_BothCallersDone_EveryWakeKept()
    {
        var now = DateTimeOffset.UtcNow;
        var blocker = NewState();
        var run = NewState();
        var parent = Suspended(now.AddMinutes(10));
        parent.Status = RunStatus.Waiting;
        foreach (var state in new[] { blocker, run, parent })
        {
            await Store.TryInsertAsync(RunRow.From(state));
        }

        // A batch's worth of other saves goes between the run's two: they would land in different batches.
        var others = Enumerable.Range(0, 1000).Select(_ => NewState()).ToList();
        await Task.WhenAll(others.Select(o => Store.TryInsertAsync(RunRow.From(o))));

        // Every write of the run's row is recorded, to count them.
        await ExecuteAsync($"""
            CREATE TABLE run_writes_seen (id text, version bigint);
            CREATE FUNCTION record_run_write() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN INSERT INTO run_writes_seen VALUES (NEW.id, NEW.version); RETURN NEW; END';
            CREATE TRIGGER record_run_write AFTER UPDATE ON runs FOR EACH ROW WHEN (NEW.id = '{run.Id}') EXECUTE FUNCTION record_run_write();
            """);
        // The one writer loop takes the blocker's save and waits on its row lock, so the run's saves wait for a batch.
        await using var lockHolder = new NpgsqlConnection(_database.ConnectionString);
        await lockHolder.OpenAsync();
        await using var transaction = await lockHolder.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand("SELECT 1 FROM runs WHERE id = $1 FOR UPDATE", lockHolder, transaction))
        {
            lockRow.Parameters.Add(new NpgsqlParameter<string> { TypedValue = blocker.Id });
            await lockRow.ExecuteScalarAsync();
        }

        try
        {
            blocker.Version++;
            var blocked = Store.SaveAsync(RunRow.From(blocker));
            await WaitForALockWaitAsync();

            run.Version = 2;
            run.Status = RunStatus.Executing;
            var first = Store.SaveAsync(RunRow.From(run) with { WakeRunIds = [parent.Id] });
            var between = others.Select(o =>
            {
                o.Version++;
                return Store.SaveAsync(RunRow.From(o));
            }).ToList();
            run.Version = 3;
            run.Status = RunStatus.Completed;
            run.OutputJson = "7";
            var second = Store.SaveAsync(RunRow.From(run));
            Assert.False(first.IsCompleted);

            await transaction.RollbackAsync();
            await Task.WhenAll(between.Append(blocked).Append(first).Append(second));

            var loaded = (await Store.LoadAsync(run.Id))!;
            Assert.Equal(3, loaded.Version);
            Assert.Equal("COMPLETED", loaded.Status);
            Assert.Equal("7", loaded.OutputJson);
            Assert.True((await Store.LoadAsync(parent.Id))!.WakeAt <= DateTimeOffset.UtcNow, "the wake the merged save carried is kept");
            Assert.Equal([3L], await ReadVersionsWrittenAsync(run.Id));
        }
        finally
        {
            await ExecuteAsync("DROP TRIGGER record_run_write ON runs; DROP FUNCTION record_run_write(); DROP TABLE run_writes_seen;");
        }
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<List<long>> ReadVersionsWrittenAsync(string runId)
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT version FROM run_writes_seen WHERE id = $1 ORDER BY version", connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = runId });
        var versions = new List<long>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            versions.Add(reader.GetInt64(0));
        }

        return versions;
    }

    private async Task WaitForALockWaitAsync()
    {
        for (var i = 0; i < 500; i++)
        {
            await using var connection = new NpgsqlConnection(_database.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'", connection);
            if ((long)(await command.ExecuteScalarAsync())! > 0)
            {
                return;
            }

            await Task.Delay(20);
        }

        Assert.Fail("The writer never reached the locked row.");
    }

    private static RunState Suspended(DateTimeOffset wakeAt)
    {
        var state = NewState();
        state.Owner = null;
        state.WakeAt = wakeAt;
        return state;
    }

    private async Task<long> CommittedTransactionsAsync()
    {
        await using var connection = new NpgsqlConnection(_database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pg_stat_force_next_flush(); SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.NextResultAsync();
        await reader.ReadAsync();
        return reader.GetInt64(0);
    }

    [Fact]
    public async Task QueueRules_TheTableAndTheInMemoryStore_HoldTheSameRuns()
    {
        // Every status, with and without an owner, due or not, asking to resume or not, in one queue of its own.
        var queue = "rules-" + Guid.NewGuid().ToString("N");
        var now = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var memory = new InMemoryRunStore();
        var order = 0L;
        foreach (var status in Enum.GetValues<RunStatus>())
        {
            foreach (var owner in new[] { "silo", null })
            {
                foreach (var wakeAt in new DateTimeOffset?[] { null, now.AddMinutes(-1), now.AddMinutes(1) })
                {
                    foreach (var resume in new[] { false, true })
                    {
                        var state = NewState();
                        (state.Status, state.Queue, state.Owner, state.WakeAt, state.ResumeRequested, state.QueueOrder) = (status, queue, owner, wakeAt, resume, ++order);
                        var row = RunRow.From(state);
                        Assert.True(await Store.TryInsertAsync(row));
                        await memory.TryInsertAsync(row);
                    }
                }
            }
        }

        var inTable = await Store.LoadQueueAsync(queue, now);
        var inMemory = await memory.LoadQueueAsync(queue, now);
        Assert.Equal(inMemory, inTable);
        Assert.Equal(6 + 6 + 4 + 3, inTable.Count); // DEQUEUED, EXECUTING, QUEUED and due, WAITING to resume: owned ones only
        Assert.Equal((await memory.CountSlotHoldersAsync())[queue], (await Store.CountSlotHoldersAsync())[queue]);
        Assert.Contains(queue, await Store.FindQueuesWithBacklogAsync());
        Assert.Contains(queue, await memory.FindQueuesWithBacklogAsync());
    }

    [Fact]
    public async Task DeleteFinishedBeforeAsync_DeletesOnlyRunsThatEndedBeforeTheCutoff_InBatches()
    {
        var now = DateTimeOffset.UtcNow;
        RunRow Row(RunStatus status, TimeSpan createdAgo, TimeSpan? finishedAgo)
        {
            var state = NewState();
            state.Status = status;
            state.CreatedAt = now - createdAgo;
            state.FinishedAt = finishedAgo is { } ago ? now - ago : null;
            state.Owner = null;
            return RunRow.From(state);
        }

        var endedLongAgo = new[] { Row(RunStatus.Completed, TimeSpan.FromDays(3), TimeSpan.FromDays(2)), Row(RunStatus.Failed, TimeSpan.FromDays(3), TimeSpan.FromDays(2)), Row(RunStatus.Canceled, TimeSpan.FromDays(5), TimeSpan.FromDays(4)) };
        var kept = new[]
        {
            Row(RunStatus.Completed, TimeSpan.FromDays(3), TimeSpan.FromHours(1)),   // created long ago, ended recently
            Row(RunStatus.Waiting, TimeSpan.FromDays(3), null),                      // unfinished
            Row(RunStatus.Completed, TimeSpan.FromHours(2), TimeSpan.FromHours(1)),  // recent
        };
        foreach (var row in endedLongAgo.Concat(kept))
        {
            Assert.True(await Store.TryInsertAsync(row));
        }

        await using var otherService = new PostgresRunStore(_dataSource!, "other-service", NullLogger<PostgresRunStore>.Instance);
        var others = Row(RunStatus.Completed, TimeSpan.FromDays(3), TimeSpan.FromDays(2));
        Assert.True(await otherService.TryInsertAsync(others));

        var first = await Store.DeleteFinishedBeforeAsync(now - TimeSpan.FromDays(1), batchSize: 2);
        var second = await Store.DeleteFinishedBeforeAsync(now - TimeSpan.FromDays(1), batchSize: 2);
        var third = await Store.DeleteFinishedBeforeAsync(now - TimeSpan.FromDays(1), batchSize: 2);

        Assert.Equal(2, first.Count);
        Assert.Single(second);
        Assert.Empty(third);
        Assert.Equal(endedLongAgo.Select(r => r.Id).Order(), first.Concat(second).Order());
        foreach (var row in kept)
        {
            Assert.NotNull(await Store.LoadAsync(row.Id));
        }

        Assert.NotNull(await otherService.LoadAsync(others.Id));
    }

    [Fact]
    public async Task AStoreThatInsertedMoreRowsThanTheStatisticsCount_AnalyzesTheTable()
    {
        // A fresh database: runs has never been analyzed, so a generic plan cached now would scan the whole table.
        await using var store = new PostgresRunStore(_dataSource!, "statistics-" + Guid.NewGuid().ToString("N")[..8], NullLogger<PostgresRunStore>.Instance);

        var rows = Enumerable.Range(0, (int)RunStatistics.Milestones[0]).Select(_ => NewRow()).ToList();
        Assert.All(await Task.WhenAll(rows.Select(r => store.TryInsertAsync(r))), Assert.True);

        // The statistics views lag their commits by up to a second; the catalog does not.
        var analyzed = await Eventually.Poll(
            () => ScalarAsync<long>("SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'runs'"),
            count => count > 0, TimeSpan.FromSeconds(30), "a manual ANALYZE of runs");
        Assert.True(analyzed > 0);
        Assert.True(await ScalarAsync<float>("SELECT reltuples FROM pg_class WHERE oid = 'runs'::regclass") >= rows.Count);
    }

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = _dataSource!.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    private static RunRow NewRow() => RunRow.From(NewState());

    private static RunState NewState()
    {
        var now = DateTimeOffset.UtcNow;
        return new RunState
        {
            Id = OrleansTasks.Runs.RunIds.NewRunId(now),
            TaskId = "echo",
            Status = RunStatus.Queued,
            Queue = "echo",
            QueueOrder = now.ToUnixTimeMilliseconds(),
            CreatedAt = now,
            UpdatedAt = now,
            Owner = "127.0.0.1:11111@1",
            Version = 1,
            PayloadJson = """{"value":1}""",
            MaxAttempts = 3,
        };
    }
}
