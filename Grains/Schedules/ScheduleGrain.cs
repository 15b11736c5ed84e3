using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansTasks.Hosting;
using OrleansTasks.Registry;
using OrleansTasks.Runs;

namespace OrleansTasks.Schedules;

/// <summary>
/// One schedule. An Orleans reminder wakes it a little before each occurrence (<see cref="ScheduleSettings.Lead"/>);
/// it triggers the occurrence's run, delayed to its start, and moves its cursor on. Each occurrence's run has an id made
/// from the schedule and the nominal time, so an occurrence fired twice (a tick repeated after a silo died, two
/// activations racing, a backfill over it) still makes one run. The reminder's period is the schedule's interval
/// (1 minute to 1 hour), so a regular schedule is not re-registered on every tick; the sweep wakes a schedule whose
/// tick was lost with its silo.
/// </summary>
internal sealed partial class ScheduleGrain(
    IScheduleStore store,
    TaskRegistry registry,
    TimeProvider time,
    IOptions<OrleansTasksOptions> options,
    IOptions<ReminderOptions> reminderOptions,
    IOptions<ClusterOptions> cluster,
    ILogger<ScheduleGrain> logger) : Grain, IScheduleGrain, IRemindable
{
    internal const string ReminderName = "occurrence";

    /// <summary>The longest reminder period: a schedule with rarer occurrences is woken hourly and finds nothing due.</summary>
    private static readonly TimeSpan s_maxPeriod = TimeSpan.FromHours(1);

    /// <summary>A schedule whose next wake-up is further away than this lets its activation go after firing.</summary>
    private static readonly TimeSpan s_keepActiveWithin = TimeSpan.FromMinutes(5);

    private ScheduleState? _state;
    private ScheduleRule? _rule;

    private string Id => this.GetPrimaryKeyString();

    private ScheduleSettings Settings => options.Value.Schedules;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _state = await store.LoadAsync(Id, cancellationToken);
        _rule = _state is null ? null : ScheduleRule.For(_state);
    }

    public async Task<Schedule> PutAsync(ScheduleSpec spec)
    {
        spec = ScheduleRules.Check(spec);
        CheckTask(spec.TaskId);
        var expectedId = spec.Type == ScheduleType.Declarative ? ScheduleIds.ForDeclarative(spec.TaskId) : ScheduleIds.ForKey(spec.DeduplicationKey);
        if (expectedId != Id)
        {
            throw new InvalidRequestException($"The schedule {Id} cannot take these settings: they name schedule {expectedId}.", "deduplicationKey");
        }

        var now = time.GetUtcNow();
        if (_state is null)
        {
            SetState(new ScheduleState { Id = Id, Spec = spec, Active = true, CreatedAt = now, UpdatedAt = now, Cursor = now });
            LogCreated(Id, spec.TaskId, spec.Cron, spec.Timezone);
            await FireAndArmAsync(tick: null);
            return Describe();
        }

        if (_state.Spec == spec)
        {
            // Unchanged (a silo restarting with the same code): fire whatever is due, and make sure the reminder is set.
            if (_state.Active)
            {
                await FireAndArmAsync(tick: null);
            }

            return Describe();
        }

        // New timing: its occurrences count from now, so none before this change is taken as missed.
        var timing = spec.Cron != _state.Spec.Cron || spec.Timezone != _state.Spec.Timezone || spec.Window != _state.Spec.Window;
        SetState(_state with { Spec = spec, UpdatedAt = now, Cursor = timing && _state.Cursor < now ? now : _state.Cursor });
        LogUpdated(Id, spec.TaskId, spec.Cron, spec.Timezone);
        await (_state!.Active ? FireAndArmAsync(tick: null) : SaveAsync());
        return Describe();
    }

    public Task<Schedule> GetAsync()
    {
        Require();
        return Task.FromResult(Describe());
    }

    public Task<Schedule> UpdateAsync(ScheduleSpec spec)
    {
        var state = RequireImperative("updated");
        return PutAsync(spec with { Type = ScheduleType.Imperative, DeduplicationKey = state.Spec.DeduplicationKey });
    }

    public async Task<Schedule> SetActiveAsync(bool active)
    {
        var state = RequireImperative(active ? "activated" : "deactivated");
        var now = time.GetUtcNow();
        if (state.Active == active)
        {
            return Describe();
        }

        if (active)
        {
            // Occurrences while it was inactive were not missed: it counts from now.
            SetState(state with { Active = true, UpdatedAt = now, Cursor = state.Cursor < now ? now : state.Cursor });
            await FireAndArmAsync(tick: null);
            return Describe();
        }

        await CancelPendingAsync(state, now);
        await this.UnregisterReminderIfAnyAsync();
        SetState(state with { Active = false, UpdatedAt = now, WakeAt = null });
        await SaveAsync();
        return Describe();
    }

    public async Task<Schedule> DeleteAsync(bool declarative)
    {
        var state = Require();
        if (state.Spec.Type == ScheduleType.Declarative && !declarative)
        {
            throw new InvalidRequestException(
                $"The schedule {Id} is declarative (task '{state.Spec.TaskId}' declares it in code): it cannot be deleted through the client. Remove the task's Cron and restart the silos.", "id");
        }

        var now = time.GetUtcNow();
        await CancelPendingAsync(state, now);
        await this.UnregisterReminderIfAnyAsync();
        await store.DeleteAsync(Id);
        var deleted = (state with { Active = false }).ToSchedule(_rule!, now);
        _state = null;
        _rule = null;
        LogDeleted(Id, state.Spec.TaskId);
        DeactivateOnIdle();
        return deleted;
    }

    public async Task<BackfillResult> BackfillAsync(DateTimeOffset from, DateTimeOffset to)
    {
        var state = Require();
        var now = time.GetUtcNow();
        if (to <= from)
        {
            throw new InvalidRequestException($"The backfill range ends ({to:O}) at or before it starts ({from:O}).", "to");
        }

        if (to > now)
        {
            throw new InvalidRequestException($"The backfill range ends at {to:O}, in the future; backfill covers past occurrences only (the schedule fires the rest).", "to");
        }

        var occurrences = _rule!.Pattern.Between(from, to, ScheduleRule.MaxCatchUp + 1);
        if (occurrences.Count > ScheduleRule.MaxCatchUp)
        {
            throw new InvalidRequestException(
                $"The range {from:O} to {to:O} holds more than {ScheduleRule.MaxCatchUp:N0} occurrences of '{state.Spec.Cron}'; backfill at most {ScheduleRule.MaxCatchUp:N0} at a time.", "from");
        }

        var runIds = new List<string>(occurrences.Count);
        var triggered = 0;
        DateTimeOffset? previous = null;
        foreach (var nominal in occurrences)
        {
            var runId = RunIds.ForOccurrence(cluster.Value.ServiceId, Id, nominal);
            if (await FindRunAsync(runId) is null)
            {
                await TriggerAsync(state, new Occurrence(nominal, nominal), previous, now);
                triggered++;
            }

            runIds.Add(runId);
            previous = nominal;
        }

        LogBackfilled(Id, occurrences.Count, triggered, from, to);
        return new BackfillResult(occurrences.Count, triggered, runIds);
    }

    public async Task PokeAsync()
    {
        if (_state is { Active: true })
        {
            await FireAndArmAsync(tick: null);
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ReminderName)
        {
            return;
        }

        if (_state is not { Active: true })
        {
            // A reminder left by a schedule deleted or deactivated while its silo was going down.
            await this.UnregisterReminderIfAnyAsync();
            DeactivateOnIdle();
            return;
        }

        await FireAndArmAsync(status);
    }

    /// <summary>
    /// Triggers what is due (by the plan: on time, or missed and kept by the policy), saves how far it got, and sets the
    /// reminder for the next wake-up. A trigger that fails for a reason that will pass (storage, a silo going down)
    /// leaves the cursor before that occurrence: the sweep wakes the schedule again soon.
    /// </summary>
    private async Task FireAndArmAsync(TickStatus? tick)
    {
        var state = _state!;
        var now = time.GetUtcNow();
        var plan = _rule!.Plan(state.Cursor, now, Settings.Lead, Settings.MissedAfter);
        if (plan.Skipped > 0)
        {
            LogSkippedMissed(Id, plan.Skipped, plan.Missed, state.Spec.MissedOccurrences);
        }

        var cursor = state.Cursor;
        var last = state.LastTimestamp;
        var lastRunId = state.LastRunId;
        Exception? failure = null;
        foreach (var occurrence in plan.Fire)
        {
            try
            {
                if (state.Spec.Overlap == OverlapPolicy.Skip && lastRunId is not null && await FindRunAsync(lastRunId) is { IsFinal: false })
                {
                    LogSkippedOverlap(Id, occurrence.Nominal, lastRunId);
                }
                else
                {
                    var handle = await TriggerAsync(state, occurrence, last, now);
                    last = occurrence.Nominal;
                    lastRunId = handle.Id;
                }
            }
            catch (Exception exception) when (exception is UnknownTaskException or InvalidTriggerException or PayloadTooLargeException)
            {
                // It would fail the same way again: the occurrence is lost, and the schedule goes on.
                LogTriggerRefused(exception, Id, occurrence.Nominal, state.Spec.TaskId);
            }
            catch (Exception exception)
            {
                failure = exception;
                LogTriggerFailed(exception, Id, occurrence.Nominal);
                break;
            }

            cursor = occurrence.Nominal;
        }

        if (failure is not null)
        {
            // Due now: the sweep wakes it again; the reminder is left as it was, so a failure that lasts is not retried in a loop.
            _state = state with { Cursor = cursor, LastTimestamp = last, LastRunId = lastRunId, WakeAt = now };
            await SaveAsync();
            return;
        }

        _state = state with { Cursor = plan.Cursor, LastTimestamp = last, LastRunId = lastRunId, WakeAt = plan.WakeAt };
        await SaveAsync();
        await ArmAsync(plan.WakeAt, plan.Next, now, tick);
        if (plan.WakeAt is null || plan.WakeAt - now > s_keepActiveWithin)
        {
            DeactivateOnIdle();
        }
    }

    private async Task<RunHandle> TriggerAsync(ScheduleState state, Occurrence occurrence, DateTimeOffset? last, DateTimeOffset now)
    {
        var spec = state.Spec;
        var payload = new ScheduledPayload(occurrence.Nominal, last, spec.Timezone, Id, spec.ExternalId, _rule!.Pattern.Upcoming(occurrence.Nominal));
        var request = new TriggerRequest
        {
            TaskId = spec.TaskId,
            PayloadJson = JsonSerializer.Serialize(payload, TaskJson.Options),
            Options = new TriggerOptions { DelayUntil = occurrence.EffectiveAt > now ? occurrence.EffectiveAt : null },
            ScheduleId = Id,
            ScheduleOccurrence = occurrence.Nominal,
        };
        var runId = RunIds.ForOccurrence(cluster.Value.ServiceId, Id, occurrence.Nominal);
        return await GrainFactory.Reference<IRunGrain>(runId).TriggerAsync(request);
    }

    /// <summary>
    /// Sets the reminder to tick at <paramref name="wakeAt"/> and then every interval, unless the tick that woke the
    /// schedule already lands there next.
    /// </summary>
    private async Task ArmAsync(DateTimeOffset? wakeAt, Occurrence? next, DateTimeOffset now, TickStatus? tick)
    {
        if (wakeAt is null || next is null)
        {
            await this.UnregisterReminderIfAnyAsync();
            return;
        }

        var period = Period(next);
        if (tick is { } current && current.Period == period
            && (new DateTimeOffset(current.CurrentTickTime, TimeSpan.Zero) + period - wakeAt.Value).Duration() <= TimeSpan.FromSeconds(1))
        {
            return;
        }

        var due = wakeAt.Value - now;
        await this.RegisterOrUpdateReminder(ReminderName, due > TimeSpan.Zero ? due : TimeSpan.Zero, period);
    }

    /// <summary>The interval after <paramref name="next"/>, between the reminder service's minimum and an hour.</summary>
    private TimeSpan Period(Occurrence next)
    {
        var minimum = reminderOptions.Value.MinimumReminderPeriod > TimeSpan.Zero ? reminderOptions.Value.MinimumReminderPeriod : TimeSpan.FromMinutes(1);
        var interval = _rule!.NextAfter(next.Nominal) is { } after ? after.EffectiveAt - next.EffectiveAt : s_maxPeriod;
        interval = TimeSpan.FromSeconds(Math.Round(interval.TotalSeconds));
        return interval < minimum ? minimum : interval > s_maxPeriod ? s_maxPeriod : interval;
    }

    /// <summary>The run as it is now; null when there is no such run.</summary>
    private async Task<TaskRun?> FindRunAsync(string runId)
    {
        try
        {
            return await GrainFactory.Reference<IRunGrain>(runId).GetAsync();
        }
        catch (RunNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// Cancels the run the last occurrence triggered if it has not started yet (it was fired ahead of its start), so a
    /// schedule deactivated or deleted fires nothing afterwards.
    /// </summary>
    private async Task CancelPendingAsync(ScheduleState state, DateTimeOffset now)
    {
        if (state.LastRunId is not { } runId || state.LastTimestamp is not { } last || _rule!.At(last).EffectiveAt <= now)
        {
            return;
        }

        if (await FindRunAsync(runId) is { Status: RunStatus.Delayed })
        {
            await GrainFactory.Reference<IRunGrain>(runId).CancelAsync();
        }
    }

    private Task SaveAsync() => store.SaveAsync(_state!);

    /// <summary>Takes new settings or activity, and the rule they make.</summary>
    private void SetState(ScheduleState state)
    {
        _state = state;
        _rule = ScheduleRule.For(state);
    }

    /// <summary>The schedule as the client sees it now.</summary>
    private Schedule Describe() => _state!.ToSchedule(_rule!, time.GetUtcNow());

    private ScheduleState Require()
    {
        if (_state is null)
        {
            DeactivateOnIdle();
            throw new ScheduleNotFoundException(Id);
        }

        return _state;
    }

    private ScheduleState RequireImperative(string change)
    {
        var state = Require();
        return state.Spec.Type == ScheduleType.Declarative
            ? throw new InvalidRequestException(
                $"The schedule {Id} is declarative (task '{state.Spec.TaskId}' declares it in code) and cannot be {change} through the client; change the task's Cron and restart the silos.", "id")
            : state;
    }

    /// <summary>The task must be registered and take a <see cref="ScheduledPayload"/>.</summary>
    private void CheckTask(string taskId)
    {
        var descriptor = registry.Resolve(taskId, taskType: null);
        if (descriptor.PayloadType != typeof(ScheduledPayload))
        {
            throw new InvalidRequestException(
                $"The task '{taskId}' takes {descriptor.PayloadType.Name}, not ScheduledPayload, so a schedule cannot trigger it; derive it from ScheduledTask<TOutput>.", "task");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Schedule {ScheduleId} created: task {TaskId}, '{Cron}' in {Timezone}.")]
    private partial void LogCreated(string scheduleId, string taskId, string cron, string timezone);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schedule {ScheduleId} updated: task {TaskId}, '{Cron}' in {Timezone}.")]
    private partial void LogUpdated(string scheduleId, string taskId, string cron, string timezone);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schedule {ScheduleId} of task {TaskId} deleted.")]
    private partial void LogDeleted(string scheduleId, string taskId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schedule {ScheduleId} backfilled {Occurrences} occurrence(s) from {From:O} to {To:O}; {Triggered} made a new run.")]
    private partial void LogBackfilled(string scheduleId, int occurrences, int triggered, DateTimeOffset from, DateTimeOffset to);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schedule {ScheduleId} missed {Missed} occurrence(s) while nothing could fire them; its policy {Policy} skips {Skipped}.")]
    private partial void LogSkippedMissed(string scheduleId, int skipped, int missed, MissedOccurrencePolicy policy);

    [LoggerMessage(Level = LogLevel.Information, Message = "Schedule {ScheduleId} skipped its occurrence at {Nominal:O}: the previous run {RunId} is unfinished and the overlap policy is Skip.")]
    private partial void LogSkippedOverlap(string scheduleId, DateTimeOffset nominal, string runId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Schedule {ScheduleId} could not trigger its occurrence at {Nominal:O}: task {TaskId} refused it; the occurrence is skipped.")]
    private partial void LogTriggerRefused(Exception exception, string scheduleId, DateTimeOffset nominal, string taskId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Schedule {ScheduleId} could not trigger its occurrence at {Nominal:O}; it tries again shortly.")]
    private partial void LogTriggerFailed(Exception exception, string scheduleId, DateTimeOffset nominal);
}

/// <summary>Unregisters a grain's occurrence reminder when it has one.</summary>
internal static class ScheduleReminders
{
    public static async Task UnregisterReminderIfAnyAsync(this Grain grain)
    {
        if (await grain.GetReminder(ScheduleGrain.ReminderName) is { } reminder)
        {
            await grain.UnregisterReminder(reminder);
        }
    }
}
