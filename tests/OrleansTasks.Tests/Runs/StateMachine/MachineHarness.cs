using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using OrleansTasks.Execution;
using OrleansTasks.Journal;
using OrleansTasks.Queues;
using OrleansTasks.Registry;
using OrleansTasks.Runs;
using OrleansTasks.Runs.StateMachine;
using OrleansTasks.Storage;

namespace OrleansTasks.Tests.Runs.StateMachine;

/// <summary>
/// One run's machine on a fake clock and a fake silo, fed events the way the run grain feeds them. After every event
/// it checks what must hold after any event: at most one write, and every status change one the status table allows.
/// </summary>
internal sealed class MachineHarness : IRunHost
{
    public static readonly TimeSpan SuspendThreshold = TimeSpan.FromSeconds(5);
    public static readonly RetryOptions Retry = new() { MaxAttempts = 3, MinDelay = TimeSpan.FromSeconds(2), Factor = 2, Randomize = false };

    private readonly HashSet<(int Attempt, int Execution)> _running = [];

    /// <summary>The attempt armed on this fake silo's start clock, and when the clock started it (null while it has not).</summary>
    private (ArmExecution Arm, DateTimeOffset? StartedAt)? _armed;

    public MachineHarness(TriggerOptions? options = null, string? parentRunId = null, string? parentWaitKey = null)
    {
        var descriptor = new TaskDescriptor("task-a", typeof(object), typeof(object), typeof(object), Retry, "task-a", new QueueOptions(), MaxDuration: null,
            MachinePreset.Small1x, Description: null, Invoker: null!, Factory: null!);
        var request = new TriggerRequest { TaskId = "task-a", PayloadJson = "{}", Options = options ?? new TriggerOptions(), ParentRunId = parentRunId, ParentWaitKey = parentWaitKey };
        var state = RunMachine.NewRun("run_1", request, descriptor, traceParent: null, Silo, Clock.GetUtcNow(), SuspendThreshold);
        Machine = new RunMachine(state, this, Clock, new RunMachineSettings(SuspendThreshold, TimeSpan.FromSeconds(1)), NullLogger.Instance);
        Statuses.Add(state.Status);
        Last = Feed(Machine.Triggered);
    }

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));

    public RunMachine Machine { get; }

    public RunState State => Machine.State;

    public List<RunStatus> Statuses { get; } = [];

    /// <summary>The effects of the last event.</summary>
    public List<RunEffect> Last { get; private set; }

    public string Silo => "silo-a";

    public bool ServesEveryMachine { get; set; } = true;

    public bool Serves(MachinePreset machine) => ServesEveryMachine;

    /// <summary>Only executions the grain has started: one listed by the event being handled is not running yet.</summary>
    public bool IsRunning(string runId, int attempt, int execution) => _running.Contains((attempt, execution));

    /// <summary>The request the start clock holds armed, if any.</summary>
    public ArmExecution? Armed => _armed?.Arm;

    public DateTimeOffset? TakeClockStart(string runId, int attempt)
    {
        if (_armed is ({ } arm, { } startedAt) && arm.Request.Attempt == attempt)
        {
            _armed = null;
            return startedAt;
        }

        return null;
    }

    public DateTimeOffset? WithdrawClockStart(string runId, int attempt)
    {
        if (_armed is ({ } arm, var startedAt) && arm.Request.Attempt == attempt)
        {
            _armed = null;
            return startedAt;
        }

        return null;
    }

    /// <summary>The start clock reaches the armed moment: the code starts here, as the silo's clock starts it, before the run hears of it.</summary>
    public void ClockReachesMoment()
    {
        var (arm, _) = _armed ?? throw new InvalidOperationException("nothing is armed");
        Assert.True(Clock.GetUtcNow() >= arm.At, "the clock starts nothing before its moment");
        _armed = (arm, Clock.GetUtcNow());
        _running.Add((arm.Request.Attempt, arm.Request.Execution));
    }

    /// <summary>Feeds an event and carries out what a grain would of its effects on this fake silo: executions start and stop here.</summary>
    public List<RunEffect> Feed(Action @event)
    {
        @event();
        var effects = Machine.TakeEffects();
        Assert.True(effects.OfType<Persist>().Count() <= 1, $"One event asked for {effects.OfType<Persist>().Count()} writes: {string.Join(", ", effects)}");
        foreach (var effect in effects)
        {
            if (effect is StartExecution start)
            {
                _running.RemoveWhere(r => r.Attempt == start.Request.Attempt);
                _running.Add((start.Request.Attempt, start.Request.Execution));
            }
            else if (effect is ArmExecution arm && _armed is not (_, not null))
            {
                _armed = (arm, null);
            }
        }

        if (State.Status != Statuses[^1])
        {
            Assert.True(RunTransitions.IsAllowed(Statuses[^1], State.Status), $"{Statuses[^1]} → {State.Status}");
            Statuses.Add(State.Status);
        }

        Last = effects;
        return effects;
    }

    public T Single<T>()
        where T : RunEffect => Assert.Single(Last.OfType<T>());

    public bool Has<T>()
        where T : RunEffect => Last.OfType<T>().Any();

    /// <summary>The execution's code stopped on this silo (it returned, unwound or its silo died).</summary>
    public void CodeStopped() => _running.Clear();

    public void Grant() => Feed(() => Machine.SlotGranted(Clock.GetUtcNow()));

    /// <summary>Queued to executing: the slot is granted and attempt <see cref="RunState.Attempts"/> starts.</summary>
    public void Start()
    {
        Grant();
        Assert.Equal(RunStatus.Executing, State.Status);
    }

    public void Report(AttemptOutcomeKind kind, int? attempt = null, int? execution = null, DateTimeOffset? retryAt = null, bool retryable = true)
    {
        CodeStopped();
        var outcome = new AttemptOutcome
        {
            Attempt = attempt ?? State.CurrentAttempt!.Number,
            Execution = execution ?? State.Execution,
            Kind = kind,
            EndedAt = Clock.GetUtcNow(),
            OutputJson = kind == AttemptOutcomeKind.Succeeded ? "42" : null,
            Error = kind == AttemptOutcomeKind.Succeeded ? null : new TaskRunError("Boom", "boom"),
            RetryAt = retryAt,
            Retryable = retryable,
        };
        Feed(() => Machine.AttemptReported(outcome));
    }

    public JournalOp Op(JournalOpKind kind, string key, DateTimeOffset? dueAt = null) =>
        new() { Attempt = State.CurrentAttempt!.Number, Execution = State.Execution, Key = key, Kind = kind, Name = kind.ToString(), DueAt = dueAt };

    /// <summary>The timer a grain would have armed fires now.</summary>
    public void Advance(TimeSpan by) => Clock.Advance(by);

    public QueueTicket AskedTicket => Single<AskForSlot>().Ticket;
}
