using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansTasks.Storage;

/// <summary>
/// An immutable snapshot of a <see cref="RunState"/> as one row of the <c>runs</c> table: the queryable columns
/// plus the state document. Taken when a save is asked for, so the grain may go on changing its state while the
/// write is in flight.
/// </summary>
internal sealed record RunRow(
    string Id,
    string TaskId,
    string Status,
    string Queue,
    long QueueOrder,
    string Machine,
    string[] Tags,
    string? BatchId,
    string? ParentRunId,
    string? RootRunId,
    int Depth,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    DateTimeOffset? WakeAt,
    string? Owner,
    long Version,
    string PayloadJson,
    string? OutputJson,
    byte[] StateUtf8,
    string? ConcurrencyKey = null,
    string? IdempotencyKey = null,
    DateTimeOffset? ExpiresAt = null,
    bool PayloadChanged = false,
    bool ResumeRequested = false,
    string? ScheduleId = null)
{
    /// <summary>
    /// Suspended runs to make due now, in the same commit as this row: the parents waiting for this run's end. If the
    /// notice to a parent is lost (its silo, or this one, dies first), the wake-up index still moves it on.
    /// </summary>
    public IReadOnlyList<string>? WakeRunIds { get; init; }

    /// <summary>
    /// The state document as text (<see cref="StateUtf8"/> holds it: UTF-8 is half the memory of a string, and a burst
    /// keeps thousands of rows waiting for their batch).
    /// </summary>
    public string StateJson
    {
        get => Encoding.UTF8.GetString(StateUtf8);
        init => StateUtf8 = Encoding.UTF8.GetBytes(value);
    }

    public static RunRow From(RunState state) => new(
        state.Id,
        state.TaskId,
        state.Status.ToWireName(),
        state.Queue,
        state.QueueOrder,
        state.Machine.ToPresetName(),
        [.. state.Tags],
        state.BatchId,
        state.ParentRunId,
        state.RootRunId,
        state.Depth,
        state.CreatedAt,
        state.UpdatedAt,
        state.StartedAt,
        state.FinishedAt,
        state.WakeAt,
        state.Owner,
        state.Version,
        state.PayloadJson,
        state.OutputJson,
        JsonSerializer.SerializeToUtf8Bytes(state, RunStateJson.Default.RunState),
        state.ConcurrencyKey,
        state.IdempotencyKeyHash,
        state.Status == RunStatus.Queued && state.Attempts.Count == 0 ? state.ExpiresAt : null,
        state.PayloadChanged,
        state.Status == RunStatus.Waiting && state.ResumeRequested,
        state.ScheduleId);

    public RunState ToState()
    {
        var state = JsonSerializer.Deserialize(StateUtf8, RunStateJson.Default.RunState)
            ?? throw new InvalidOperationException($"The stored state of run {Id} is empty.");
        state.PayloadJson = PayloadJson;
        state.OutputJson = OutputJson;
        return state;
    }

    public RunStatus RunStatus => RunStatusExtensions.ParseWireName(Status);
}

/// <summary>
/// The state document's serializer, generated at build time: it writes without reflection or a per-call stack, and
/// a save is made for every change of every run. Nulls are left out: a run's state is mostly unset fields, and every
/// nullable member of the state defaults to null when read back (RunStateJsonTests holds that), so the document is
/// about half the size.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true)]
[JsonSerializable(typeof(RunState))]
internal sealed partial class RunStateJson : JsonSerializerContext;
