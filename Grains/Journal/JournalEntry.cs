using System.Text.Json.Serialization;
using OrleansTasks.Runs;

namespace OrleansTasks.Journal;

/// <summary>
/// One durable operation of an attempt, in the run's journal: what it was (to check replays against), and its result
/// once it has one. Kept in the run's state document.
/// </summary>
internal sealed class JournalEntry
{
    public required string Key { get; init; }

    /// <summary>The order entries were first recorded in, for display.</summary>
    public int Seq { get; set; }

    public JournalOpKind Kind { get; init; }

    public required string Name { get; init; }

    public bool Completed { get; set; }

    public string? ResultJson { get; set; }

    public TaskRunError? Error { get; set; }

    /// <summary>A timed wait's end, or a token wait's timeout.</summary>
    public DateTimeOffset? DueAt { get; set; }

    public string? TokenId { get; set; }

    public string? BatchId { get; set; }

    /// <summary>The children of a trigger, in item order.</summary>
    public List<string>? ChildRunIds { get; set; }

    public List<string>? ChildTaskIds { get; set; }

    /// <summary>For a trigger-and-wait: each child's end, null until it comes.</summary>
    public List<ChildRunResult?>? ChildResults { get; set; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>True for a wait that was pending when an execution unwound: the replay that passes it is the run's resume.</summary>
    public bool Unwound { get; set; }

    /// <summary>A wait the code stopped waiting for when its cancellation token fired; completed with no result.</summary>
    public bool Abandoned { get; set; }

    /// <summary>A wait that gives up the run's slot while pending: children, tokens, and long timed waits.</summary>
    [JsonIgnore]
    public bool IsExternalWait => Kind is JournalOpKind.TriggerAndWait or JournalOpKind.WaitToken;

    [JsonIgnore]
    public bool IsWait => Kind is JournalOpKind.Wait or JournalOpKind.WaitToken or JournalOpKind.TriggerAndWait;

    /// <summary>What the operation was, for a non-determinism message.</summary>
    public string Describe() => Describe(Kind, Name);

    public static string Describe(JournalOpKind kind, string name) => kind switch
    {
        JournalOpKind.Step => $"StepAsync(\"{name}\")",
        JournalOpKind.Wait => $"Wait ({name})",
        JournalOpKind.CreateToken => "Wait.CreateTokenAsync",
        JournalOpKind.WaitToken => "Wait.ForTokenAsync",
        JournalOpKind.Trigger => $"TriggerAsync({name})",
        JournalOpKind.TriggerAndWait => $"TriggerAndWaitAsync({name})",
        _ => $"{kind} ({name})",
    };

    /// <summary>The result as the executing attempt receives it.</summary>
    public JournalOpResult ToResult() => new()
    {
        Status = Completed ? JournalOpStatus.Completed : JournalOpStatus.Pending,
        ResultJson = ResultJson,
        Error = Error,
        Children = Kind == JournalOpKind.TriggerAndWait && Completed ? [.. ChildResults!.Select(r => r!)] : null,
        Handles = Kind == JournalOpKind.Trigger ? [.. ChildRunIds!.Select((id, i) => new RunHandle(id, ChildTaskIds![i]))] : null,
        BatchId = BatchId,
        Abandoned = Abandoned,
    };

    public JournalRecord ToRecord() => new(Key, Kind.ToString(), Name, Completed, CreatedAt, CompletedAt, [.. ChildRunIds ?? []], Abandoned, TokenId);
}
