using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;

namespace OrleansTasks.Bench.Chaos;

/// <summary>
/// Reads back what a chaos run left, through the public client (<c>Runs.RetrieveAsync</c>, <c>Runs.ListAsync</c>) and
/// the side-effect table: first waits, polling, until every triggered run is final (at most 3 minutes), then gathers
/// the children and every effect row for <see cref="ChaosReport"/>.
/// </summary>
internal sealed class ChaosVerifier(ITaskClient tasks, string connectionString, TextWriter log)
{
    private static readonly TimeSpan s_drainLimit = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromSeconds(2);
    private const int Parallelism = 16;

    private static readonly string[] s_topLevelTasks = [ChaosNoopTask.TaskId, ChaosWaitTask.TaskId, ChaosParentTask.TaskId, ChaosFlakyTask.TaskId];

    /// <summary>How long after the drain the realtime watcher may take to see the last final states: a heartbeat and a half.</summary>
    private static readonly TimeSpan s_realtimeGrace = ChaosClient.RealtimeHeartbeat * 1.5;

    public async Task<ChaosObservations> ObserveAsync(
        ChaosLoad load,
        ChaosCluster cluster,
        bool sigterm,
        ChaosWatcher watcher,
        IReadOnlyList<(string ScheduleId, DateTimeOffset Occurrence, string RunId)> occurrences,
        IReadOnlyList<string> scheduleIds,
        CancellationToken cancellationToken)
    {
        var triggered = load.Triggered.ToList();
        var runs = new ConcurrentDictionary<string, TaskRun>(StringComparer.Ordinal);
        await DrainAsync(triggered.Select(t => t.RunId).ToList(), runs, cancellationToken).ConfigureAwait(false);
        await WaitForOccurrencesAsync(occurrences.Select(o => o.RunId).ToList(), runs, cancellationToken).ConfigureAwait(false);

        // Every run the schedules made, read once: two runs for one occurrence would be a duplicate.
        var scheduled = new List<RunSummary>();
        foreach (var scheduleId in scheduleIds)
        {
            scheduled.AddRange(await ListAsync(new RunFilter { ScheduleId = scheduleId, PageSize = RunFilter.MaxPageSize }, cancellationToken).ConfigureAwait(false));
        }

        await ReadAsync([.. scheduled.Select(r => r.Id).Where(id => !runs.ContainsKey(id))], runs, cancellationToken).ConfigureAwait(false);
        var missedOccurrences = occurrences
            .Where(o => !(runs.TryGetValue(o.RunId, out var run) && run.Status == RunStatus.Completed))
            .Select(o => $"{o.ScheduleId} at {o.Occurrence:HH:mm}: {(runs.TryGetValue(o.RunId, out var run) ? run.Status.ToWireName() : "no run")}")
            .ToList();
        var duplicateOccurrences = scheduled
            .Select(r => runs.TryGetValue(r.Id, out var run) ? (run.ScheduleId, run.ScheduleOccurrence) : (r.ScheduleId, null))
            .Where(o => o.ScheduleOccurrence is not null)
            .GroupBy(o => o)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key.ScheduleId} at {g.Key.ScheduleOccurrence:HH:mm}: {g.Count()} runs")
            .ToList();
        log.WriteLine($"chaos schedules: {occurrences.Count} occurrences expected from {scheduleIds.Count} schedules, {scheduled.Count} runs made; {missedOccurrences.Count} missed, {duplicateOccurrences.Count} duplicated");

        var children = await ListAsync(new RunFilter { TaskIds = [ChaosChildTask.TaskId], PageSize = RunFilter.MaxPageSize }, cancellationToken).ConfigureAwait(false);

        // One read of each child, final or not: its attempts are judged too.
        await ReadAsync(children.Select(c => c.Id).ToList(), runs, cancellationToken).ConfigureAwait(false);

        var known = triggered.Select(t => t.RunId).ToHashSet(StringComparer.Ordinal);
        var topLevel = await ListAsync(new RunFilter { TaskIds = s_topLevelTasks, Tags = [ChaosLoad.Tag], PageSize = RunFilter.MaxPageSize }, cancellationToken).ConfigureAwait(false);

        var completed = triggered.Where(t => runs.TryGetValue(t.RunId, out var run) && run.Status == RunStatus.Completed).Select(t => t.RunId).ToList();
        var missedFinals = await watcher.MissedFinalsAsync(completed, s_realtimeGrace, cancellationToken).ConfigureAwait(false);
        log.WriteLine($"chaos watcher: saw the final state of {completed.Count - missedFinals.Count} of {completed.Count} completed runs; {watcher.Disorders} out of order; subscribed again {watcher.Resubscriptions} times");

        return new ChaosObservations
        {
            ScheduleMissed = missedOccurrences,
            ScheduleDuplicates = duplicateOccurrences,
            RealtimeMissedFinals = missedFinals,
            RealtimeDisorders = watcher.Disorders,
            Triggered = triggered,
            TriggerErrors = [.. load.Errors],
            Runs = runs,
            Children = children,
            Untracked = topLevel.Count(r => r.Depth == 0 && !known.Contains(r.Id)),
            Effects = await ReadEffectsAsync(cancellationToken).ConfigureAwait(false),
            Kills = cluster.Kills,
            Silos = cluster.Silos,
            Sigterm = sigterm,
        };
    }

    /// <summary>Reads the runs again and again until all are final or the drain limit passes; the last read of each is kept.</summary>
    private async Task DrainAsync(IReadOnlyList<string> runIds, ConcurrentDictionary<string, TaskRun> runs, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var pending = runIds.ToList();
        var lastReport = TimeSpan.Zero;
        while (true)
        {
            var notFound = await ReadAsync(pending, runs, cancellationToken).ConfigureAwait(false);

            // A run not found counts as settled here (it is reported lost), and is looked for again at the end.
            pending = [.. pending.Where(id => !notFound.ContainsKey(id) && !(runs.TryGetValue(id, out var run) && run.IsFinal))];
            if (pending.Count == 0 || clock.Elapsed >= s_drainLimit)
            {
                break;
            }

            if (clock.Elapsed - lastReport >= TimeSpan.FromSeconds(10))
            {
                lastReport = clock.Elapsed;
                log.WriteLine($"chaos drain +{clock.Elapsed.TotalSeconds:F0}s: {runIds.Count - pending.Count}/{runIds.Count} final or missing; waiting for {pending.Count}, e.g. {string.Join(", ", pending.Take(3).Select(id => runs.TryGetValue(id, out var run) ? $"{id} {run.TaskId} {run.Status.ToWireName()}" : $"{id} (unread)"))}");
            }

            await Task.Delay(s_pollInterval, cancellationToken).ConfigureAwait(false);
        }

        var missing = runIds.Where(id => !runs.ContainsKey(id)).ToList();
        if (missing.Count > 0)
        {
            await ReadAsync(missing, runs, cancellationToken).ConfigureAwait(false);
        }

        log.WriteLine($"chaos drain: done after {clock.Elapsed.TotalSeconds:F0}s; {pending.Count} not final, {runIds.Count(id => !runs.ContainsKey(id))} not found");
    }

    /// <summary>
    /// Waits (at most the drain limit) until the run of every expected schedule occurrence exists and is final: an
    /// occurrence missed while silos died is made late, by its schedule's sweep or next tick, not at once.
    /// </summary>
    private async Task WaitForOccurrencesAsync(IReadOnlyList<string> runIds, ConcurrentDictionary<string, TaskRun> runs, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var pending = runIds.ToList();
        while (pending.Count > 0 && clock.Elapsed < s_drainLimit)
        {
            await ReadAsync(pending, runs, cancellationToken).ConfigureAwait(false);
            pending = [.. pending.Where(id => !(runs.TryGetValue(id, out var run) && run.IsFinal))];
            if (pending.Count > 0)
            {
                await Task.Delay(s_pollInterval, cancellationToken).ConfigureAwait(false);
            }
        }

        log.WriteLine($"chaos schedules: {runIds.Count - pending.Count}/{runIds.Count} occurrence runs final after {clock.Elapsed.TotalSeconds:F0}s");
    }

    /// <summary>
    /// Reads each run once, a few at a time, into <paramref name="runs"/>; returns the ids of runs not found, which are
    /// left out of it. A run whose read failed keeps what was read before, if anything.
    /// </summary>
    private async Task<ConcurrentDictionary<string, bool>> ReadAsync(IReadOnlyList<string> runIds, ConcurrentDictionary<string, TaskRun> runs, CancellationToken cancellationToken)
    {
        var failures = 0;
        var notFound = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(runIds, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken }, async (id, token) =>
        {
            try
            {
                runs[id] = await tasks.Runs.RetrieveAsync(id, token).ConfigureAwait(false);
            }
            catch (RunNotFoundException)
            {
                runs.TryRemove(id, out _);
                notFound[id] = true;
            }
            catch (Exception exception) when (!token.IsCancellationRequested)
            {
                // A read that failed (a timeout while a silo dies) keeps the run's last known state; the next round reads it again.
                if (Interlocked.Increment(ref failures) <= 3)
                {
                    log.WriteLine($"chaos: reading {id} failed: {exception.GetType().Name}: {exception.Message}");
                }
            }
        }).ConfigureAwait(false);
        return notFound;
    }

    /// <summary>Every run the filter matches; a listing that fails part-way is started again, up to 3 times.</summary>
    private async Task<List<RunSummary>> ListAsync(RunFilter filter, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var found = new List<RunSummary>();
                await foreach (var run in tasks.Runs.ListAsync(filter, cancellationToken).ConfigureAwait(false))
                {
                    found.Add(run);
                }

                return found;
            }
            catch (Exception exception) when (attempt < 3 && !cancellationToken.IsCancellationRequested)
            {
                log.WriteLine($"chaos: listing runs failed ({exception.GetType().Name}: {exception.Message}); listing again");
            }
        }
    }

    private async Task<List<ChaosEffect>> ReadEffectsAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT id, run_id, step, attempt, pid, at FROM chaos_effects ORDER BY id", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var effects = new List<ChaosEffect>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            effects.Add(new ChaosEffect(
                reader.GetInt64(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetInt32(3),
                reader.GetInt32(4),
                reader.GetFieldValue<DateTimeOffset>(5)));
        }

        return effects;
    }
}
