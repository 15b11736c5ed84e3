using OrleansTasks.Storage;

namespace OrleansTasks.Queues;

/// <summary>
/// Which runs of the <c>runs</c> table a queue holds, said once: as predicates over a row (for the in-memory store)
/// and as the same conditions in SQL (for PostgreSQL). A queue rebuilt from the table, the silo's slot count and the
/// scan for queues with work all read these. Only runs with an owner count: a run without one is suspended or final.
/// </summary>
internal static class QueueMembership
{
    /// <summary>Holds a slot: <c>DEQUEUED</c> or <c>EXECUTING</c>.</summary>
    public static bool HoldsSlot(RunRow row) => row.Owner is not null && row.RunStatus.HoldsSlot();

    /// <summary>Waits in the backlog: <c>QUEUED</c>, or <c>WAITING</c> and asking for its slot back to resume.</summary>
    public static bool InBacklog(RunRow row) =>
        row.Owner is not null && (row.RunStatus == RunStatus.Queued || (row.RunStatus == RunStatus.Waiting && row.ResumeRequested));

    /// <summary>In its queue at <paramref name="now"/>: holding a slot, or in the backlog and due (a retry not yet due is not).</summary>
    public static bool InQueue(RunRow row, DateTimeOffset now) =>
        HoldsSlot(row) || (InBacklog(row) && (row.RunStatus != RunStatus.Queued || row.WakeAt is null || row.WakeAt <= now));

    /// <summary><see cref="HoldsSlot"/> in SQL.</summary>
    public static readonly string HoldsSlotSql = $"owner IS NOT NULL AND status IN ({Wire(RunStatus.Dequeued)}, {Wire(RunStatus.Executing)})";

    /// <summary><see cref="InBacklog"/> in SQL.</summary>
    public static readonly string InBacklogSql =
        $"owner IS NOT NULL AND (status = {Wire(RunStatus.Queued)} OR (status = {Wire(RunStatus.Waiting)} AND resume_requested))";

    /// <summary><see cref="InQueue"/> in SQL, with <paramref name="now"/> the parameter that holds the moment.</summary>
    public static string InQueueSql(string now) =>
        $"(({HoldsSlotSql}) OR (({InBacklogSql}) AND (status <> {Wire(RunStatus.Queued)} OR wake_at IS NULL OR wake_at <= {now})))";

    private static string Wire(RunStatus status) => $"'{status.ToWireName()}'";
}
