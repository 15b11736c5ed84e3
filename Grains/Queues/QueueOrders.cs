namespace OrleansTasks.Queues;

/// <summary>Where a run stands in its queue's backlog: lower goes first.</summary>
internal static class QueueOrders
{
    /// <summary>
    /// Queue order counts microseconds: runs triggered one after another keep their order even within one
    /// millisecond (on different silos their tickets may reach the queue in either order; arrival only breaks ties).
    /// </summary>
    private const long PerSecond = 1_000_000;

    /// <summary>
    /// Credit for a run asking for its slot back to resume: a year of queue time, so it goes ahead of every new run
    /// (Trigger.dev's offset). The stored <c>queue_order</c> is the run's own; the credit is applied wherever a resume
    /// enters a backlog, by the run's request or by a queue rebuilt from the table.
    /// </summary>
    public const long ResumeCredit = 365L * 24 * 60 * 60 * PerSecond;

    /// <summary>The order of a run entering its queue at <paramref name="queuedAt"/> with <paramref name="prioritySeconds"/> of credit.</summary>
    public static long Of(DateTimeOffset queuedAt, int prioritySeconds) =>
        (queuedAt.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TimeSpan.TicksPerMicrosecond - prioritySeconds * PerSecond;
}
