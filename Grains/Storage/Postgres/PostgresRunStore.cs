using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Npgsql;
using OrleansTasks.Listing;
using OrleansTasks.Queues;

namespace OrleansTasks.Storage.Postgres;

/// <summary>
/// The <c>runs</c> table. Writes are group-committed: every write joins a channel, and each writer loop takes all
/// the writes waiting and sends them as one batch (one round trip, one implicit transaction, one commit), so a
/// burst of runs costs a handful of commits rather than one each. A batch that fails is retried row by row, so
/// one bad row fails only its own caller. A save of a run whose previous save is still waiting for a batch takes that
/// one's place (<see cref="PendingWrite.TryMerge"/>): a run that changes twice while the database is behind (it starts,
/// and its short attempt ends) is written once, and its callers complete together.
/// </summary>
internal sealed partial class PostgresRunStore : IRunStore, IAsyncDisposable
{
    public bool IsDurable => true;

    private const int MaxBatchSize = 1000;

    // Makes suspended waiting runs due now (the parents a finishing run's row names), in the commit of that row.
    private static readonly string s_wakeSql = $"""
        UPDATE runs SET wake_at = $2
        WHERE {ServiceScope.ByKey("$3")} AND id = ANY($1) AND owner IS NULL AND status = 'WAITING' AND (wake_at IS NULL OR wake_at > $2)
        """;

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _serviceId;
    private readonly ILogger<PostgresRunStore> _logger;
    private readonly GroupCommit<PendingWrite> _writes;
    private readonly GroupCommit<PendingLoad> _loads;
    private readonly RunStatistics _statistics;

    /// <summary>Each run's save that has not been taken into a batch yet: a newer save of the run merges into it.</summary>
    private readonly ConcurrentDictionary<string, PendingWrite> _waitingSaves = new(StringComparer.Ordinal);

    public PostgresRunStore(NpgsqlDataSource dataSource, string serviceId, ILogger<PostgresRunStore> logger, int writers = 1)
    {
        _dataSource = dataSource;
        _serviceId = serviceId;
        _logger = logger;
        _writes = new GroupCommit<PendingWrite>(FlushAsync, LogLoopFailed, MaxBatchSize, writers);
        _loads = new GroupCommit<PendingLoad>(LoadBatchAsync, LogLoopFailed, MaxBatchSize);
        _statistics = new RunStatistics(dataSource, logger);
    }

    public Task<bool> TryInsertAsync(RunRow row, CancellationToken cancellationToken = default) => Enqueue(row, isInsert: true);

    public Task SaveAsync(RunRow row, CancellationToken cancellationToken = default) => Enqueue(row, isInsert: false);

    /// <summary>
    /// Loads are grouped as writes are: activations that load at the same moment (a burst of resumes) share one
    /// query, <c>id = ANY(…)</c>, instead of paying a round trip and a statement each.
    /// </summary>
    public Task<RunRow?> LoadAsync(string runId, CancellationToken cancellationToken = default)
    {
        var load = new PendingLoad(runId);
        if (!_loads.TryAdd(load))
        {
            throw new ObjectDisposedException(nameof(PostgresRunStore), "The run store is shutting down.");
        }

        return load.Completion.Task;
    }

    // Finished runs are found through runs_final (one index range per final status, created before the cutoff) and
    // checked for their end on the row; picked by physical address and deleted in one statement. SKIP LOCKED lets the
    // cleaners of several silos share the rows out instead of queueing on each other's.
    private const string DeleteFinishedSql = """
        DELETE FROM runs
        WHERE ctid = ANY(ARRAY(
            SELECT ctid FROM runs
            WHERE service_id = $1 AND final_status = ANY($2) AND created_at < $3 AND finished_at < $3
            LIMIT $4
            FOR UPDATE SKIP LOCKED))
        RETURNING id
        """;

    private static readonly string[] s_finalStatuses = [.. Enum.GetValues<RunStatus>().Where(s => s.IsFinal()).Select(s => s.ToWireName())];

    public async Task<IReadOnlyList<string>> DeleteFinishedBeforeAsync(DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(DeleteFinishedSql);
        command.Parameters.Add(Service());
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = s_finalStatuses });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = cutoff.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = batchSize });
        var deleted = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            deleted.Add(reader.GetString(0));
        }

        return deleted;
    }

    public async Task WakeAsync(IReadOnlyList<string> runIds, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(s_wakeSql);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. runIds] });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = DateTime.UtcNow });
        command.Parameters.Add(Service());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static readonly string s_loadQueue = $"""
        SELECT id, status, queue_order, concurrency_key, expires_at, resume_requested FROM runs
        WHERE service_id = $3 AND queue = $1 AND {QueueMembership.InQueueSql("$2")}
        ORDER BY queue_order
        """;

    private static readonly string s_queuesWithBacklog = $"SELECT DISTINCT queue FROM runs WHERE service_id = $1 AND {QueueMembership.InBacklogSql}";

    private static readonly string s_countSlotHolders = $"SELECT queue, count(*)::int FROM runs WHERE service_id = $1 AND {QueueMembership.HoldsSlotSql} GROUP BY queue";

    public async Task<IReadOnlyList<QueueEntry>> LoadQueueAsync(string queue, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(s_loadQueue);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = queue });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = now.UtcDateTime });
        command.Parameters.Add(Service());
        var entries = new List<QueueEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            entries.Add(new QueueEntry(
                reader.GetString(0),
                RunStatusExtensions.ParseWireName(reader.GetString(1)),
                reader.GetInt64(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4),
                reader.GetBoolean(5)));
        }

        return entries;
    }

    public async Task<IReadOnlyList<string>> FindQueuesWithBacklogAsync(CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(s_queuesWithBacklog);
        command.Parameters.Add(Service());
        return await ReadStringsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyDictionary<string, int>> CountSlotHoldersAsync(CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand(s_countSlotHolders);
        command.Parameters.Add(Service());
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            counts[reader.GetString(0)] = reader.GetInt32(1);
        }

        return counts;
    }

    public async Task<string?> FindByIdempotencyKeyAsync(string taskId, string keyHash, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("""
            SELECT id FROM runs WHERE service_id = $3 AND task_id = $1 AND idempotency_key = $2
            ORDER BY created_at DESC LIMIT 1
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = taskId });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = keyHash });
        command.Parameters.Add(Service());
        return (await ReadStringsAsync(command, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
    }

    public async Task<IReadOnlyList<DueRun>> FindDueAsync(DateTimeOffset after, DateTimeOffset until, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("""
            SELECT id, wake_at FROM runs
            WHERE service_id = $4 AND owner IS NULL AND wake_at IS NOT NULL AND wake_at > $1 AND wake_at <= $2
            ORDER BY wake_at
            LIMIT $3
            """);
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = (after == DateTimeOffset.MinValue ? DateTimeOffset.UnixEpoch : after).UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = until.UtcDateTime });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        command.Parameters.Add(Service());
        var due = new List<DueRun>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            due.Add(new DueRun(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1)));
        }

        return due;
    }

    public async Task<IReadOnlyList<string>> FindOrphansAsync(IReadOnlyCollection<string> liveSilos, int limit, CancellationToken cancellationToken = default)
    {
        // Runs with an owner are the in-flight ones; the queue index (partial on owner) covers exactly those.
        await using var command = _dataSource.CreateCommand("SELECT id FROM runs WHERE service_id = $3 AND owner IS NOT NULL AND NOT (owner = ANY($1)) LIMIT $2");
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. liveSilos] });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
        command.Parameters.Add(Service());
        return await ReadStringsAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<RunVersion>> LoadVersionsAsync(IReadOnlyCollection<string> runIds, CancellationToken cancellationToken = default)
    {
        if (runIds.Count == 0)
        {
            return [];
        }

        await using var command = _dataSource.CreateCommand($"SELECT id, version FROM runs WHERE id = ANY($1) AND {ServiceScope.ByKey("$2")}");
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. runIds] });
        command.Parameters.Add(Service());
        var versions = new List<RunVersion>(runIds.Count);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            versions.Add(new RunVersion(reader.GetString(0), reader.GetInt64(1)));
        }

        return versions;
    }

    public async ValueTask DisposeAsync()
    {
        _writes.Complete();
        _loads.Complete();
        await Task.WhenAll(_writes.Completion, _loads.Completion).ConfigureAwait(false);
    }

    /// <summary>One query for every load waiting: <c>id = ANY(…)</c>.</summary>
    private async Task LoadBatchAsync(List<PendingLoad> batch)
    {
        try
        {
            await using var command = _dataSource.CreateCommand($"SELECT {RunColumns.Select} FROM runs WHERE id = ANY($1) AND {ServiceScope.ByKey("$2")}");
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. batch.Select(l => l.RunId).Distinct()] });
            command.Parameters.Add(Service());
            var rows = new Dictionary<string, RunRow>(StringComparer.Ordinal);
            await using (var rowReader = await command.ExecuteReaderAsync().ConfigureAwait(false))
            {
                while (await rowReader.ReadAsync().ConfigureAwait(false))
                {
                    var row = RunColumns.Read(rowReader);
                    rows[row.Id] = row;
                }
            }

            foreach (var load in batch)
            {
                load.Completion.TrySetResult(rows.GetValueOrDefault(load.RunId));
            }
        }
        catch (Exception exception)
        {
            foreach (var load in batch)
            {
                load.Completion.TrySetException(exception);
            }
        }
    }

    private Task<bool> Enqueue(RunRow row, bool isInsert)
    {
        var write = new PendingWrite(row, isInsert);
        while (!isInsert)
        {
            if (_waitingSaves.TryGetValue(row.Id, out var waiting))
            {
                if (waiting.TryMerge(row))
                {
                    return waiting.Completion.Task;
                }

                if (_waitingSaves.TryUpdate(row.Id, write, waiting))
                {
                    break;
                }
            }
            else if (_waitingSaves.TryAdd(row.Id, write))
            {
                break;
            }
        }

        if (!_writes.TryAdd(write))
        {
            // No batch will take it: a later save must not merge into it and wait for ever.
            _waitingSaves.TryRemove(new KeyValuePair<string, PendingWrite>(row.Id, write));
            throw new ObjectDisposedException(nameof(PostgresRunStore), "The run store is shutting down.");
        }

        return write.Completion.Task;
    }

    private async Task FlushAsync(List<PendingWrite> batch)
    {
        try
        {
            await ExecuteWithRetryAsync(batch).ConfigureAwait(false);
        }
        catch (Exception exception) when (batch.Count > 1)
        {
            LogBatchFailed(exception, batch.Count);
            foreach (var write in batch)
            {
                await FlushAsync([write]).ConfigureAwait(false);
            }
        }
        catch (Exception exception)
        {
            batch[0].Completion.TrySetException(exception);
        }
    }

    private async Task ExecuteWithRetryAsync(List<PendingWrite> batch)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await ExecuteAsync(batch).ConfigureAwait(false);
                return;
            }
            catch (NpgsqlException exception) when (exception.IsTransient && attempt < 5)
            {
                LogTransientFailure(exception, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(100 * Math.Pow(3, attempt - 1))).ConfigureAwait(false);
            }
        }
    }

    private async Task ExecuteAsync(List<PendingWrite> batch)
    {
        foreach (var write in batch)
        {
            // From here on its row is the one written: a later save of the run waits for the next batch.
            if (write.Take())
            {
                _waitingSaves.TryRemove(new KeyValuePair<string, PendingWrite>(write.Row.Id, write));
            }
        }

        // An id inserted twice in one batch is inserted once; the later callers are told it already existed.
        var inserts = new List<PendingWrite>();
        var insertIds = new HashSet<string>(StringComparer.Ordinal);
        var duplicateInserts = new List<PendingWrite>();

        // Several saves of one run in a batch (rare: a later save merges into one still waiting) collapse by the same
        // rule; all their callers complete together.
        var saves = new Dictionary<string, List<PendingWrite>>(StringComparer.Ordinal);
        foreach (var write in batch)
        {
            if (write.IsInsert)
            {
                (insertIds.Add(write.Row.Id) ? inserts : duplicateInserts).Add(write);
            }
            else if (saves.TryGetValue(write.Row.Id, out var writes))
            {
                writes.Add(write);
            }
            else
            {
                saves.Add(write.Row.Id, [write]);
            }
        }

        var newestSaves = saves.Values.Select(w => w.Select(x => x.Row).Aggregate(PendingWrite.Merge)).ToList();

        await using var connection = await _dataSource.OpenConnectionAsync().ConfigureAwait(false);
        await using var command = new NpgsqlBatch(connection);
        if (inserts.Count > 0)
        {
            command.BatchCommands.Add(RunColumns.Bind(RunColumns.InsertSql, [.. inserts.Select(w => w.Row)], _serviceId, isInsert: true));
        }

        if (newestSaves.Count > 0)
        {
            command.BatchCommands.Add(RunColumns.Bind(RunColumns.UpdateSql, newestSaves, _serviceId, isInsert: false));
        }

        var wakes = newestSaves.SelectMany(r => r.WakeRunIds ?? []).Distinct(StringComparer.Ordinal).ToArray();
        if (wakes.Length > 0)
        {
            var wake = new NpgsqlBatchCommand(s_wakeSql);
            wake.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = wakes });
            wake.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = DateTime.UtcNow });
            wake.Parameters.Add(Service());
            command.BatchCommands.Add(wake);
        }

        var inserted = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync().ConfigureAwait(false))
        {
            if (inserts.Count > 0)
            {
                while (await reader.ReadAsync().ConfigureAwait(false))
                {
                    inserted.Add(reader.GetString(0));
                }
            }
        }

        foreach (var write in inserts)
        {
            write.Completion.TrySetResult(inserted.Contains(write.Row.Id));
        }

        _statistics.Inserted(inserted.Count);

        foreach (var write in duplicateInserts)
        {
            write.Completion.TrySetResult(false);
        }

        foreach (var write in saves.Values.SelectMany(w => w))
        {
            write.Completion.TrySetResult(true);
        }
    }

    private NpgsqlParameter<string> Service() => new() { TypedValue = _serviceId };

    private static async Task<IReadOnlyList<string>> ReadStringsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var values = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    private sealed class PendingLoad(string runId)
    {
        public string RunId { get; } = runId;

        public TaskCompletionSource<RunRow?> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class PendingWrite(RunRow row, bool isInsert)
    {
        private readonly Lock _gate = new();
        private bool _taken;

        /// <summary>The row to write: the newest save merged in, until the write is taken into a batch.</summary>
        public RunRow Row { get; private set; } = row;

        public bool IsInsert { get; } = isInsert;

        public TaskCompletionSource<bool> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>
        /// Takes a newer save of the same run in place of this one's row, while no batch has taken it: the newest
        /// state is written, with every run either save said to wake. False once taken.
        /// </summary>
        public bool TryMerge(RunRow newer)
        {
            lock (_gate)
            {
                if (_taken)
                {
                    return false;
                }

                Row = Merge(Row, newer);
                return true;
            }
        }

        /// <summary>
        /// Two saves of one run as the one row to write: the newer version's, with every run either said to wake, and
        /// the payload written if either changed it.
        /// </summary>
        public static RunRow Merge(RunRow first, RunRow second)
        {
            var (older, kept) = second.Version >= first.Version ? (first, second) : (second, first);
            if (older.WakeRunIds is { Count: > 0 } wake)
            {
                kept = kept with { WakeRunIds = [.. (kept.WakeRunIds ?? []).Union(wake, StringComparer.Ordinal)] };
            }

            return older.PayloadChanged && !kept.PayloadChanged ? kept with { PayloadChanged = true } : kept;
        }

        /// <summary>Marks the write taken into a batch (its row is final from now on); true the first time.</summary>
        public bool Take()
        {
            lock (_gate)
            {
                var first = !_taken;
                _taken = true;
                return first;
            }
        }
    }
}
