namespace OrleansTasks.Runs;

/// <summary>The kinds of durable operation a run's journal records. Engine wire type.</summary>
[GenerateSerializer, Alias("ot.JournalOpKind")]
internal enum JournalOpKind
{
    /// <summary><c>StepAsync</c>: a side effect and its result.</summary>
    Step = 1,

    /// <summary><c>Wait.ForAsync</c> / <c>Wait.UntilAsync</c>: a moment to wait for.</summary>
    Wait = 2,

    /// <summary><c>Wait.CreateTokenAsync</c>: the token created.</summary>
    CreateToken = 3,

    /// <summary><c>Wait.ForTokenAsync</c>: a token to wait for.</summary>
    WaitToken = 4,

    /// <summary><c>TriggerAsync</c> / <c>BatchTriggerAsync</c> inside a task: children triggered, not waited for.</summary>
    Trigger = 5,

    /// <summary><c>TriggerAndWaitAsync</c> / <c>BatchTriggerAndWaitAsync</c>: children triggered and waited for.</summary>
    TriggerAndWait = 6,
}

/// <summary>A durable operation an executing attempt asks its run grain to record (or to return the record of). Engine wire type.</summary>
[GenerateSerializer, Immutable, Alias("ot.JournalOp")]
internal sealed record JournalOp
{
    /// <summary>The attempt executing.</summary>
    [Id(0)]
    public required int Attempt { get; init; }

    /// <summary>Which execution of the attempt (0, then one more per replay); a stale execution's operations are refused.</summary>
    [Id(1)]
    public required int Execution { get; init; }

    /// <summary>The operation's position in the journal.</summary>
    [Id(2)]
    public required string Key { get; init; }

    /// <summary>What the operation is.</summary>
    [Id(3)]
    public required JournalOpKind Kind { get; init; }

    /// <summary>The step name, the child task id(s), or the wait's kind: what the non-determinism check compares.</summary>
    [Id(4)]
    public required string Name { get; init; }

    /// <summary>For a step, its result as JSON.</summary>
    [Id(5)]
    public string? ResultJson { get; init; }

    /// <summary>For a wait, the moment it ends.</summary>
    [Id(6)]
    public DateTimeOffset? DueAt { get; init; }

    /// <summary>For a token wait, the token.</summary>
    [Id(7)]
    public string? TokenId { get; init; }

    /// <summary>For a token to create, its options.</summary>
    [Id(8)]
    public WaitTokenOptions? TokenOptions { get; init; }

    /// <summary>For children to trigger, one request per child.</summary>
    [Id(9)]
    public IReadOnlyList<TriggerRequest>? Children { get; init; }

    /// <summary>
    /// Not a new operation: the code stops waiting at <see cref="Key"/> (a wait recorded as <see cref="Kind"/>), because
    /// the cancellation token it passed fired.
    /// </summary>
    [Id(10)]
    public bool Abandon { get; init; }
}

/// <summary>Whether a journaled operation has its result. Engine wire type.</summary>
[GenerateSerializer, Alias("ot.JournalOpStatus")]
internal enum JournalOpStatus
{
    /// <summary>The result is here.</summary>
    Completed = 1,

    /// <summary>Recorded; the result will be delivered when it comes.</summary>
    Pending = 2,

    /// <summary>The execution asking is not the run's current one; it must stop.</summary>
    Stale = 3,
}

/// <summary>The answer to a <see cref="JournalOp"/>, or a delivery of a pending one's result. Engine wire type.</summary>
[GenerateSerializer, Immutable, Alias("ot.JournalOpResult")]
internal sealed record JournalOpResult
{
    /// <summary>Whether the result is here.</summary>
    [Id(0)]
    public required JournalOpStatus Status { get; init; }

    /// <summary>A step's result, or a token wait's data, as JSON.</summary>
    [Id(1)]
    public string? ResultJson { get; init; }

    /// <summary>A token wait's timeout.</summary>
    [Id(2)]
    public TaskRunError? Error { get; init; }

    /// <summary>Children waited for, in item order.</summary>
    [Id(3)]
    public IReadOnlyList<ChildRunResult>? Children { get; init; }

    /// <summary>Children triggered without waiting, in item order.</summary>
    [Id(4)]
    public IReadOnlyList<RunHandle>? Handles { get; init; }

    /// <summary>The token created.</summary>
    [Id(5)]
    public WaitpointToken? Token { get; init; }

    /// <summary>The batch id, for a batch of children.</summary>
    [Id(6)]
    public string? BatchId { get; init; }

    /// <summary>A wait the code abandoned when its cancellation token fired: the operation throws <see cref="OperationCanceledException"/>.</summary>
    [Id(7)]
    public bool Abandoned { get; init; }

    /// <summary>A completed operation with no result.</summary>
    public static JournalOpResult Done { get; } = new() { Status = JournalOpStatus.Completed };

    /// <summary>A recorded operation whose result will come later.</summary>
    public static JournalOpResult Waiting { get; } = new() { Status = JournalOpStatus.Pending };

    /// <summary>The refusal of a stale execution's operation.</summary>
    public static JournalOpResult StaleExecution { get; } = new() { Status = JournalOpStatus.Stale };
}

/// <summary>How a child run ended, as its parent records it. Engine wire type.</summary>
/// <param name="RunId">The child run.</param>
/// <param name="TaskId">Its task.</param>
/// <param name="Status">Its final status.</param>
/// <param name="OutputJson">Its output, when it completed.</param>
/// <param name="Error">Its error, when it did not.</param>
[GenerateSerializer, Immutable, Alias("ot.ChildRunResult")]
public sealed record ChildRunResult(string RunId, string TaskId, RunStatus Status, string? OutputJson, TaskRunError? Error);

/// <summary>What a child tells its parent when it ends. Engine wire type.</summary>
/// <param name="Key">The journal position of the parent's wait.</param>
/// <param name="Index">The child's index in that wait (0 for a single child).</param>
/// <param name="Result">How the child ended.</param>
[GenerateSerializer, Immutable, Alias("ot.ChildNotification")]
internal sealed record ChildNotification(string Key, int Index, ChildRunResult Result);
