using System.Globalization;

namespace OrleansTasks.Bench.Chaos;

/// <summary>
/// The verdict on a chaos run, judged from <see cref="ChaosObservations"/> by four rules: (a) every triggered run exists
/// and completed; (b) each <c>chaos-parent</c> has exactly one <c>chaos-child</c>; (c) no step's side effect happened
/// twice, except, after SIGKILLs, when the silo that did it first was killed within 2 s of doing it (the window between
/// a side effect and its journal record); (d) no attempt failed except <c>chaos-flaky</c>'s deliberate first one.
/// Triggers that threw at the caller are violations too: the client is meant to ride through a silo's death.
/// </summary>
internal sealed class ChaosReport
{
    /// <summary>How long after a side effect a SIGKILL of its silo excuses the step running again.</summary>
    public static readonly TimeSpan CrashWindow = TimeSpan.FromSeconds(2);

    private const int MessageLength = 300;

    private readonly ChaosObservations _observed;
    private readonly List<ChaosViolation> _violations = [];

    private ChaosReport(ChaosObservations observed)
    {
        _observed = observed;
    }

    /// <summary>Runs whose trigger returned an id.</summary>
    public int Runs => _observed.Triggered.Count;

    public int Completed { get; private set; }

    /// <summary>Triggered runs that the client cannot find.</summary>
    public int Lost { get; private set; }

    /// <summary>Triggered runs not final when the verifier gave up waiting.</summary>
    public int Stranded { get; private set; }

    /// <summary>Triggered runs that ended in any status but COMPLETED.</summary>
    public int Failed { get; private set; }

    /// <summary>Parents with more than one child run.</summary>
    public int DuplicateChildren { get; private set; }

    /// <summary>Parents that completed without any child run to show for it.</summary>
    public int ChildlessParents { get; private set; }

    /// <summary>Steps (run and step name) whose side effect happened more than once, not excused.</summary>
    public int RepeatedSteps { get; private set; }

    /// <summary>Steps whose side effect happened more than once, each repeat excused by a SIGKILL in the crash window.</summary>
    public int ExcusedRepeats { get; private set; }

    /// <summary>Attempts that ended in anything but COMPLETED, apart from <c>chaos-flaky</c>'s deliberate first failure.</summary>
    public int InfraFailedAttempts { get; private set; }

    public int TriggerErrors => _observed.TriggerErrors.Count;

    /// <summary>
    /// Every violation found, one per count in lost, stranded, failed, duplicate children, childless parents, repeated
    /// steps, infrastructure-failed attempts and trigger errors. One fault may count twice: a run failed by the
    /// infrastructure is a failed run and a failed attempt.
    /// </summary>
    public IReadOnlyList<ChaosViolation> Violations => _violations;

    /// <summary>The metadata counter <c>chaos-wait</c> increments before and after its wait: 2 when done, whatever died meanwhile.</summary>
    public const string ProgressCounter = "progress";

    /// <summary>The counter each <c>chaos-child</c> increments on its parent's metadata: 1 on a completed parent.</summary>
    public const string ChildrenCounter = "children";

    /// <summary>Completed runs whose metadata counter is not what the code counted once (a change applied twice, or lost).</summary>
    public int MetadataMiscounts { get; private set; }

    public static ChaosReport Judge(ChaosObservations observed)
    {
        var report = new ChaosReport(observed);
        report.CheckRuns();
        report.CheckMetadata();
        report.CheckChildren();
        report.CheckSteps();
        report.CheckAttempts();
        report.CheckTriggers();
        report.CheckRealtime();
        report.CheckSchedules();
        return report;
    }

    /// <summary>The result line (the benchmark's last line on stdout).</summary>
    public string ResultLine(ChaosOptions options, TimeSpan elapsed) => string.Create(CultureInfo.InvariantCulture,
        $"chaos mode={options.Mode} minutes={options.Duration.TotalMinutes:0.##} silos={options.Silos} kills={_observed.Kills.Count} " +
        $"runs={Runs} completed={Completed} lost={Lost} stranded={Stranded} failed={Failed} duplicate_children={DuplicateChildren} " +
        $"childless_parents={ChildlessParents} repeated_steps={RepeatedSteps} excused_repeats={ExcusedRepeats} " +
        $"infra_failed_attempts={InfraFailedAttempts} metadata_miscounts={MetadataMiscounts} realtime_missed_finals={_observed.RealtimeMissedFinals.Count} realtime_disorders={_observed.RealtimeDisorders} schedule_missed={_observed.ScheduleMissed.Count} schedule_duplicates={_observed.ScheduleDuplicates.Count} trigger_errors={TriggerErrors} untracked_runs={_observed.Untracked} " +
        $"violations={_violations.Count} seconds={elapsed.TotalSeconds:F0}");

    /// <summary>Up to <paramref name="count"/> violations, taking each kind in turn so that every kind is shown.</summary>
    public IEnumerable<ChaosViolation> Sample(int count) =>
        _violations.GroupBy(v => v.Kind)
            .SelectMany(kind => kind.Select((violation, index) => (violation, index)))
            .OrderBy(v => v.index)
            .Take(count)
            .Select(v => v.violation);

    private void CheckRuns()
    {
        foreach (var trigger in _observed.Triggered)
        {
            if (!_observed.Runs.TryGetValue(trigger.RunId, out var run))
            {
                Lost++;
                Add("lost", trigger.RunId, trigger.TaskId, "Runs.RetrieveAsync: run not found");
            }
            else if (!run.IsFinal)
            {
                Stranded++;
                Add("stranded", run, "not final at the end");
            }
            else if (run.Status != RunStatus.Completed)
            {
                Failed++;
                Add("failed", run, "final but not completed");
            }
            else
            {
                Completed++;
            }
        }
    }

    private void CheckMetadata()
    {
        foreach (var run in _observed.Runs.Values.Where(r => r.Status == RunStatus.Completed))
        {
            var (counter, expected) = run.TaskId switch
            {
                ChaosWaitTask.TaskId => (ProgressCounter, 2),
                ChaosParentTask.TaskId => (ChildrenCounter, 1),
                _ => (null, 0),
            };
            if (counter is not null && run.GetMetadata<double>(counter) is var counted && counted != expected)
            {
                MetadataMiscounts++;
                Add("metadata_miscounts", run, $"metadata {counter} is {counted}, expected {expected}: {run.MetadataJson}");
            }
        }
    }

    /// <summary>(f) every schedule occurrence from the schedules' creation to the end of the kills made exactly one completed run.</summary>
    private void CheckSchedules()
    {
        foreach (var occurrence in _observed.ScheduleMissed)
        {
            Add("schedule_missed", null, ChaosScheduledTask.TaskId, occurrence);
        }

        foreach (var occurrence in _observed.ScheduleDuplicates)
        {
            Add("schedule_duplicates", null, ChaosScheduledTask.TaskId, occurrence);
        }
    }

    /// <summary>(e) a realtime subscriber saw every completed run's final state, and no run's states out of order.</summary>
    private void CheckRealtime()
    {
        foreach (var runId in _observed.RealtimeMissedFinals)
        {
            // Where and when it ended says which silo's publishing lost it (a kill, a silo just started, a register moved).
            var ended = _observed.Runs.TryGetValue(runId, out var run)
                ? $"; it ended at {run.FinishedAt:HH:mm:ss.fff} on {(run.Attempts.Count > 0 ? run.Attempts[^1].Silo : "no silo")}"
                : "";
            Add("realtime_missed_finals", runId, run?.TaskId, "the subscriber never saw its final state" + ended);
        }

        for (var i = 0; i < _observed.RealtimeDisorders; i++)
        {
            Add("realtime_disorders", null, null, "a state came older than one seen before, or after the final state (see the watcher's lines above)");
        }
    }

    private void CheckChildren()
    {
        var byParent = _observed.Children.Where(c => c.ParentRunId is not null).ToLookup(c => c.ParentRunId!);
        foreach (var parent in _observed.Triggered.Where(t => t.TaskId == ChaosParentTask.TaskId))
        {
            var children = byParent[parent.RunId].ToList();
            if (children.Count > 1)
            {
                DuplicateChildren++;
                Add("duplicate_children", parent.RunId, parent.TaskId,
                    $"{children.Count} children: {string.Join(", ", children.Select(c => $"{c.Id} {c.Status.ToWireName()} created {Time(c.CreatedAt)}"))}");
            }
            else if (children.Count == 0 && _observed.Runs.TryGetValue(parent.RunId, out var run) && run.Status == RunStatus.Completed)
            {
                ChildlessParents++;
                Add("childless_parents", run, "completed, but no chaos-child run has it as parent");
            }
        }
    }

    private void CheckSteps()
    {
        List<ChaosKill> kills = _observed.Sigterm ? [] : [.. _observed.Kills.Where(k => !k.Sigterm)];
        foreach (var step in _observed.Effects.GroupBy(e => (e.RunId, e.Step)).Where(g => g.Count() > 1))
        {
            var rows = step.OrderBy(e => e.At).ThenBy(e => e.Id).ToList();

            // Each row after the first repeats the one before it; the repeat is excused if the process that wrote the
            // earlier row was SIGKILLed within the crash window around writing it.
            var excused = rows.Zip(rows.Skip(1)).All(pair => KillOf(pair.First, kills) is not null);
            var detail = string.Join("; ", rows.Select(r =>
                $"attempt {r.Attempt} pid {r.Pid} at {Time(r.At)}{(KillOf(r, kills) is { } kill ? $" (sigkilled {(kill.At - r.At).TotalMilliseconds:F0} ms later)" : "")}"));
            var task = _observed.Runs.TryGetValue(step.Key.RunId, out var run) ? run.TaskId : null;
            if (excused)
            {
                ExcusedRepeats++;
            }
            else
            {
                RepeatedSteps++;
                Add("repeated_steps", step.Key.RunId, task, $"step '{step.Key.Step}' ran {rows.Count} times: {detail}");
            }
        }
    }

    private void CheckAttempts()
    {
        foreach (var run in _observed.Runs.Values)
        {
            foreach (var attempt in run.Attempts)
            {
                var deliberate = run.TaskId == ChaosFlakyTask.TaskId
                    && attempt.Number == 1
                    && attempt.Status == AttemptStatus.Failed
                    && attempt.Error?.Message.Contains(ChaosFlakyTask.DeliberateFailure, StringComparison.Ordinal) == true;
                var stillRunning = attempt.Status == AttemptStatus.Executing && !run.IsFinal;
                if (attempt.Status != AttemptStatus.Completed && !deliberate && !stillRunning)
                {
                    InfraFailedAttempts++;
                    Add("infra_failed_attempts", run.Id, run.TaskId, $"run status={run.Status.ToWireName()}; attempt #{attempt.Number} {attempt.Status} {Describe(attempt)}");
                }
            }
        }
    }

    private void CheckTriggers()
    {
        foreach (var error in _observed.TriggerErrors)
        {
            Add("trigger_errors", null, error.TaskId, $"at {Time(error.At)}: {error.Exception.GetType().FullName}: {Shorten(error.Exception.Message)}");
        }
    }

    /// <summary>
    /// The SIGKILL whose crash window holds the effect: up to <see cref="CrashWindow"/> before the signal, or after it
    /// until the process was gone (plus the window again, since the row's time is the database's, taken when it ran the
    /// insert a dying silo had already sent).
    /// </summary>
    private static ChaosKill? KillOf(ChaosEffect effect, IEnumerable<ChaosKill> kills) =>
        kills.FirstOrDefault(k => k.Pid == effect.Pid && effect.At >= k.At - CrashWindow && effect.At <= k.At + (k.ExitedAfter ?? TimeSpan.Zero) + CrashWindow);

    private void Add(string kind, string? runId, string? taskId, string detail) => _violations.Add(new ChaosViolation(kind, runId, taskId, detail));

    private void Add(string kind, TaskRun run, string why) => Add(kind, run.Id, run.TaskId,
        $"status={run.Status.ToWireName()} ({why}) created={Time(run.CreatedAt)} updated={Time(run.UpdatedAt)}" +
        (run.Error is { } error ? $" error={Shorten(error.ToString())}" : "") +
        $" attempts=[{string.Join("; ", run.Attempts.Select(a => $"#{a.Number} {a.Status} {Describe(a)}"))}]" +
        $" journal=[{string.Join("; ", run.Journal.Select(j => $"{j.Position} {j.Kind} '{j.Name}' {(j.Completed ? "done" : "pending")}{(j.ChildRunIds.Count > 0 ? " children " + string.Join(",", j.ChildRunIds.Select(ChildStatus)) : "")}"))}]");

    /// <summary>A child's id, with its status when it was read.</summary>
    private string ChildStatus(string runId) =>
        _observed.Runs.TryGetValue(runId, out var child) ? $"{runId}({child.Status.ToWireName()})" : runId;

    /// <summary>Where an attempt ran (the silo's process, and whether and when it was killed) and how it ended.</summary>
    private string Describe(RunAttempt attempt)
    {
        var silo = _observed.Silos.FirstOrDefault(s => s.Is(attempt.Silo));
        var where = silo is null
            ? $"on {attempt.Silo}"
            : $"on pid {silo.Pid}{(silo.Kill is { } kill ? $" ({kill.Mode} at {Time(kill.At)})" : "")}";
        return $"{where} started {Time(attempt.StartedAt)}{(attempt.EndedAt is { } ended ? $" ended {Time(ended)}" : "")}" +
            (attempt.Error is { } error ? $" error={Shorten(error.ToString())}" : "");
    }

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);

    private static string Shorten(string text)
    {
        var line = text.ReplaceLineEndings(" ");
        return line.Length <= MessageLength ? line : line[..MessageLength] + "…";
    }
}
