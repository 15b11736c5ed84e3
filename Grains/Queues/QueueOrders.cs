namespace OrleansTasks.Queues;

/// <summary>Where a run stands in its queue's backlog: lower goes first.</summary>
internal static class QueueOrders
{
    /// <summary>
    /// Credit for a run asking for its slot back to resume: a year of queue time, so it goes ahead of every new run
    /// (Trigger.dev's offset). The stored <c>queue_order</c> is the run's own; the credit is applied wherever a resume
    /// enters a backlog, by the run's request or by a queue rebuilt from the table.
    /// </summary>
    public const long ResumeCredit = 365L * 24 * 60 * 60 * 1000;
}
