using OrleansTasks.Listing;
using OrleansTasks.Storage;

namespace OrleansTasks.Tests.Listing;

/// <summary>
/// What every run store's <see cref="IRunStore.ListAsync"/> must do, run against each store by a derived class. Each
/// test gets a store of its own (its own service id in PostgreSQL), so it sees only the runs it wrote.
/// </summary>
public abstract class RunStoreListingContract
{
    private static readonly DateTimeOffset s_base = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    internal abstract IRunStore Store { get; }

    [Fact]
    public async Task ListAsync_NoFilter_EveryRunNewestFirstThenIdDescending()
    {
        var runs = await SeedAsync(10, (i, s) => s.CreatedAt = s_base.AddMinutes(i % 4));

        var page = await Store.ListAsync(new RunFilter(), null, 100);

        Assert.Equal(Expected(runs), page.Select(r => r.Id));
    }

    [Fact]
    public async Task ListAsync_PagesByCursor_NoDuplicatesAndNoGapsAcrossTies()
    {
        // Many runs share a creation time, so the id must break the ties for the cursor to be exact.
        var runs = await SeedAsync(23, (i, s) => s.CreatedAt = s_base.AddSeconds(i / 5));

        var read = new List<string>();
        RunCursor? after = null;
        for (var pages = 1; ; pages++)
        {
            var page = await Store.ListAsync(new RunFilter(), after, 4);
            read.AddRange(page.Select(r => r.Id));
            if (page.Count < 4)
            {
                Assert.Equal(6, pages);
                break;
            }

            after = RunCursor.After(page[^1]);
        }

        Assert.Equal(Expected(runs), read);
    }

    [Theory]
    [InlineData(new[] { RunStatus.Failed })]
    [InlineData(new[] { RunStatus.Queued })]
    [InlineData(new[] { RunStatus.Completed, RunStatus.Canceled })]
    [InlineData(new[] { RunStatus.Executing, RunStatus.Waiting })]
    [InlineData(new[] { RunStatus.Failed, RunStatus.Queued, RunStatus.Delayed })]
    public async Task ListAsync_ByStatuses_OnlyRunsInThem(RunStatus[] statuses)
    {
        RunStatus[] all = [RunStatus.Delayed, RunStatus.Queued, RunStatus.Executing, RunStatus.Waiting, RunStatus.Completed, RunStatus.Canceled, RunStatus.Failed, RunStatus.TimedOut];
        var runs = await SeedAsync(24, (i, s) => SetStatus(s, all[i % all.Length]));

        var page = await Store.ListAsync(new RunFilter { Statuses = statuses }, null, 100);

        Assert.Equal(Expected(runs.Where(r => statuses.Contains(r.Status))), page.Select(r => r.Id));
        Assert.All(page, r => Assert.Contains(r.Status, statuses));
    }

    [Fact]
    public async Task ListAsync_StatusChangedBySave_ListedUnderTheNewStatusOnly()
    {
        var runs = await SeedAsync(2, (_, _) => { });
        var changed = runs[0];
        SetStatus(changed, RunStatus.Failed);
        changed.Version++;
        await Store.SaveAsync(RunRow.From(changed));

        var failed = await Store.ListAsync(new RunFilter { Statuses = [RunStatus.Failed] }, null, 100);
        var queued = await Store.ListAsync(new RunFilter { Statuses = [RunStatus.Queued] }, null, 100);

        Assert.Equal(changed.Id, Assert.Single(failed).Id);
        Assert.Equal(runs[1].Id, Assert.Single(queued).Id);
    }

    [Fact]
    public async Task ListAsync_ByTaskIds_OnlyRunsOfThoseTasks()
    {
        var runs = await SeedAsync(9, (i, s) => s.TaskId = $"task-{i % 3}");

        var one = await Store.ListAsync(new RunFilter { TaskIds = ["task-1"] }, null, 100);
        var two = await Store.ListAsync(new RunFilter { TaskIds = ["task-0", "task-2"] }, null, 100);

        Assert.Equal(Expected(runs.Where(r => r.TaskId == "task-1")), one.Select(r => r.Id));
        Assert.Equal(Expected(runs.Where(r => r.TaskId != "task-1")), two.Select(r => r.Id));
    }

    [Fact]
    public async Task ListAsync_ByTags_RunsWithAnyOfThem()
    {
        var runs = await SeedAsync(8, (i, s) => s.Tags = (i % 4) switch
        {
            0 => ["red"],
            1 => ["blue", "green"],
            2 => ["green"],
            _ => [],
        });

        var page = await Store.ListAsync(new RunFilter { Tags = ["red", "blue"] }, null, 100);

        Assert.Equal(Expected(runs.Where(r => r.Tags.Contains("red") || r.Tags.Contains("blue"))), page.Select(r => r.Id));
        Assert.Equal(4, page.Count);
    }

    [Fact]
    public async Task ListAsync_ByParentOrRoot_TheChildrenOrTheWholeTreeBelowTheRoot()
    {
        // A tree: root → a, b; a → a1. Plus an unrelated root and its child.
        var runs = await SeedAsync(6, (i, s) =>
        {
            (s.ParentRunId, s.RootRunId, s.Depth) = i switch
            {
                0 => (null, "run_root", 0),
                1 => ("run_root", "run_root", 1),
                2 => ("run_root", "run_root", 1),
                3 => ("run_a", "run_root", 2),
                4 => (null, "run_other", 0),
                _ => ("run_other", "run_other", 1),
            };
        });

        var children = await Store.ListAsync(new RunFilter { ParentRunId = "run_root" }, null, 100);
        var tree = await Store.ListAsync(new RunFilter { RootRunId = "run_root" }, null, 100);

        Assert.Equal(Expected(runs.Where(r => r.ParentRunId == "run_root")), children.Select(r => r.Id));
        Assert.Equal(Expected(runs.Where(r => r.RootRunId == "run_root" && r.ParentRunId is not null)), tree.Select(r => r.Id));
        Assert.Equal(3, tree.Count);
    }

    [Fact]
    public async Task ListAsync_ByBatchId_OnlyThatBatch()
    {
        var runs = await SeedAsync(6, (i, s) => s.BatchId = i % 2 == 0 ? "batch_a" : i == 1 ? null : "batch_b");

        var page = await Store.ListAsync(new RunFilter { BatchId = "batch_a" }, null, 100);

        Assert.Equal(Expected(runs.Where(r => r.BatchId == "batch_a")), page.Select(r => r.Id));
    }

    [Fact]
    public async Task ListAsync_ByQueues_OnlyThoseQueues()
    {
        var runs = await SeedAsync(9, (i, s) => s.Queue = $"queue-{i % 3}");

        var one = await Store.ListAsync(new RunFilter { Queues = ["queue-2"] }, null, 100);
        var two = await Store.ListAsync(new RunFilter { Queues = ["queue-0", "queue-1", "queue-9"] }, null, 100);

        Assert.Equal(Expected(runs.Where(r => r.Queue == "queue-2")), one.Select(r => r.Id));
        Assert.Equal(Expected(runs.Where(r => r.Queue != "queue-2")), two.Select(r => r.Id));
    }

    [Fact]
    public async Task ListAsync_ByTimeRange_FromInclusiveToExclusive()
    {
        var runs = await SeedAsync(10, (i, s) => s.CreatedAt = s_base.AddHours(i));

        var page = await Store.ListAsync(new RunFilter { From = s_base.AddHours(3), To = s_base.AddHours(7) }, null, 100);
        var fromOnly = await Store.ListAsync(new RunFilter { From = s_base.AddHours(8) }, null, 100);
        var toOnly = await Store.ListAsync(new RunFilter { To = s_base.AddHours(1) }, null, 100);

        Assert.Equal(Expected(runs.Where(r => r.CreatedAt >= s_base.AddHours(3) && r.CreatedAt < s_base.AddHours(7))), page.Select(r => r.Id));
        Assert.Equal(4, page.Count);
        Assert.Equal(2, fromOnly.Count);
        Assert.Equal(runs[0].Id, Assert.Single(toOnly).Id);
    }

    [Fact]
    public async Task ListAsync_ByIdempotencyKey_MatchesTheKeyAsGivenOrItsStoredHash()
    {
        var scopedHash = IdempotencyKeys.Hash("order-7", IdempotencyKeyScope.Run, "run_parent", 1);
        var runs = await SeedAsync(4, (i, s) =>
        {
            (s.IdempotencyKey, s.IdempotencyKeyHash) = i switch
            {
                0 => ("order-7", IdempotencyKeys.Hash("order-7", IdempotencyKeyScope.Global, null, 0)),
                1 => ("order-7", scopedHash),
                2 => ("order-8", IdempotencyKeys.Hash("order-8", IdempotencyKeyScope.Global, null, 0)),
                _ => (null, null),
            };
        });

        var asGiven = await Store.ListAsync(new RunFilter { IdempotencyKey = "order-7" }, null, 100);
        var byHash = await Store.ListAsync(new RunFilter { IdempotencyKey = scopedHash.ToUpperInvariant() }, null, 100);

        Assert.Equal(runs[0].Id, Assert.Single(asGiven).Id);
        Assert.Equal("order-7", asGiven[0].IdempotencyKey);
        Assert.Equal(runs[1].Id, Assert.Single(byHash).Id);
    }

    [Fact]
    public async Task ListAsync_SeveralCriteria_AllMustHold()
    {
        var runs = await SeedAsync(16, (i, s) =>
        {
            s.TaskId = i % 2 == 0 ? "even" : "odd";
            s.Tags = i % 4 < 2 ? ["t"] : [];
            SetStatus(s, i % 8 < 4 ? RunStatus.Failed : RunStatus.Completed);
            s.CreatedAt = s_base.AddMinutes(i);
        });

        var filter = new RunFilter { TaskIds = ["even"], Tags = ["t"], Statuses = [RunStatus.Failed], From = s_base.AddMinutes(1) };
        var page = await Store.ListAsync(filter, null, 100);

        var expected = runs.Where(r => r.TaskId == "even" && r.Tags.Contains("t") && r.Status == RunStatus.Failed && r.CreatedAt >= s_base.AddMinutes(1));
        Assert.Equal(Expected(expected), page.Select(r => r.Id));
        Assert.NotEmpty(page);
    }

    [Fact]
    public async Task ListAsync_Summary_CarriesTheColumnsAndWhatTheStateKnows()
    {
        var runs = await SeedAsync(1, (_, s) =>
        {
            s.TaskId = "summary-task";
            s.Queue = "summary-queue";
            s.ConcurrencyKey = "tenant-1";
            s.Machine = MachinePreset.Large2x;
            s.Tags = ["a", "b"];
            s.BatchId = "batch_s";
            s.ParentRunId = "run_parent";
            s.RootRunId = "run_root";
            s.Depth = 2;
            s.IdempotencyKey = "key-1";
            s.IdempotencyKeyHash = IdempotencyKeys.Hash("key-1", IdempotencyKeyScope.Global, null, 0);
            s.ReplayOf = "run_original";
            s.StartedAt = s.CreatedAt.AddSeconds(1);
            s.Attempts.Add(new RunAttempt(1, AttemptStatus.Failed, s.CreatedAt.AddSeconds(1), s.CreatedAt.AddSeconds(2), new TaskRunError("T", "first"), "silo"));
            s.Attempts.Add(new RunAttempt(2, AttemptStatus.Failed, s.CreatedAt.AddSeconds(3), s.CreatedAt.AddSeconds(4), new TaskRunError("T", "second"), "silo"));
            SetStatus(s, RunStatus.Failed);
            s.Error = new TaskRunError("System.InvalidOperationException", "it broke");
            s.MetadataJson = """{"progress":0.5}""";
        });
        var state = runs[0];

        var summary = Assert.Single(await Store.ListAsync(new RunFilter(), null, 100));

        Assert.Equal(state.Id, summary.Id);
        Assert.Equal("summary-task", summary.TaskId);
        Assert.Equal(RunStatus.Failed, summary.Status);
        Assert.True(summary.IsFinal && summary.IsFailed);
        Assert.Equal("summary-queue", summary.Queue);
        Assert.Equal("tenant-1", summary.ConcurrencyKey);
        Assert.Equal(MachinePreset.Large2x, summary.Machine);
        Assert.Equal(["a", "b"], summary.Tags);
        Assert.Equal("batch_s", summary.BatchId);
        Assert.Equal("run_parent", summary.ParentRunId);
        Assert.Equal("run_root", summary.RootRunId);
        Assert.Equal(2, summary.Depth);
        Assert.Equal("key-1", summary.IdempotencyKey);
        Assert.Equal("run_original", summary.ReplayOf);
        Assert.Equal(2, summary.AttemptCount);
        Assert.Equal("it broke", summary.ErrorMessage);
        Assert.Equal("""{"progress":0.5}""", summary.MetadataJson);
        Assert.Equal(state.CreatedAt, summary.CreatedAt);
        Assert.Equal(state.UpdatedAt, summary.UpdatedAt);
        Assert.Equal(state.StartedAt, summary.StartedAt);
        Assert.Equal(state.FinishedAt, summary.FinishedAt);
    }

    [Fact]
    public async Task ListAsync_RunWithoutAttemptsOrRoot_CountsNoneAndIsItsOwnRoot()
    {
        var runs = await SeedAsync(1, (_, s) => s.RootRunId = null);

        var summary = Assert.Single(await Store.ListAsync(new RunFilter(), null, 100));

        Assert.Equal(0, summary.AttemptCount);
        Assert.Equal(runs[0].Id, summary.RootRunId);
        Assert.Null(summary.ErrorMessage);
        Assert.Null(summary.MetadataJson);
        Assert.Null(summary.IdempotencyKey);
        Assert.Null(summary.ReplayOf);
    }

    /// <summary>Inserts <paramref name="count"/> runs, each shaped by <paramref name="shape"/>; returns their states.</summary>
    internal async Task<List<RunState>> SeedAsync(int count, Action<int, RunState> shape)
    {
        var states = new List<RunState>();
        for (var i = 0; i < count; i++)
        {
            var state = NewState(s_base.AddMilliseconds(i));
            shape(i, state);
            states.Add(state);
            Assert.True(await Store.TryInsertAsync(RunRow.From(state)));
        }

        return states;
    }

    /// <summary>The ids in listing order: newest first, then by id, both descending.</summary>
    internal static IEnumerable<string> Expected(IEnumerable<RunState> runs) =>
        runs.OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id, StringComparer.Ordinal).Select(r => r.Id);

    private static void SetStatus(RunState state, RunStatus status)
    {
        state.Status = status;
        if (status.IsFinal())
        {
            state.FinishedAt = state.CreatedAt.AddMinutes(1);
            state.Owner = null;
        }
    }

    private static RunState NewState(DateTimeOffset createdAt)
    {
        // Whole milliseconds, which every store keeps exactly (PostgreSQL keeps microseconds).
        return new RunState
        {
            Id = OrleansTasks.Runs.RunIds.NewRunId(createdAt),
            TaskId = "listing",
            Status = RunStatus.Queued,
            Queue = "listing",
            QueueOrder = createdAt.ToUnixTimeMilliseconds(),
            CreatedAt = createdAt,
            UpdatedAt = createdAt.AddSeconds(30),
            Owner = "127.0.0.1:11111@1",
            Version = 1,
            PayloadJson = """{"value":1}""",
            MaxAttempts = 3,
        };
    }
}
