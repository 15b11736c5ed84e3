using OrleansTasks.Journal;
using OrleansTasks.Storage;
using OrleansTasks.Waitpoints;

namespace OrleansTasks.Runs.StateMachine;

/// <summary>
/// The rules of an attempt's journal: which waits are pending, which of them give up the run's slot, when the next is
/// due, and how a wait completes (a timed wait by time, a token wait by its token, a child wait by each child's end).
/// Pure: it reads and changes the run's journal and nothing else.
/// </summary>
internal sealed class WaitBook(RunState state, TimeProvider time, TimeSpan suspendThreshold)
{
    public List<JournalEntry> Pending() => [.. state.Journal.Where(e => e.IsWait && !e.Completed)];

    /// <summary>Whether a pending wait gives up the slot: children and tokens always, timed waits past the suspend threshold.</summary>
    public bool ReleasesSlot(JournalEntry entry) =>
        entry.IsExternalWait || (entry.DueAt is { } due && due - time.GetUtcNow() >= suspendThreshold);

    public bool AnyReleasingSlot() => state.Journal.Exists(e => e.IsWait && !e.Completed && ReleasesSlot(e));

    /// <summary>The earliest moment a pending wait is due (a timed wait's end, a token's timeout); null for none.</summary>
    public static DateTimeOffset? NextDue(IEnumerable<JournalEntry> pending) =>
        pending.Where(e => e.DueAt is not null).Select(e => e.DueAt!.Value).DefaultIfEmpty(DateTimeOffset.MaxValue).Min() is var next
        && next != DateTimeOffset.MaxValue ? next : null;

    public void Complete(JournalEntry entry)
    {
        entry.Completed = true;
        entry.CompletedAt = time.GetUtcNow();
    }

    /// <summary>The code stopped waiting (its cancellation token fired): the wait completes with no result.</summary>
    public void Abandon(JournalEntry entry)
    {
        Complete(entry);
        entry.Abandoned = true;
    }

    /// <summary>Completes the timed waits that are due; true if any did.</summary>
    public bool CompleteDueTimedWaits()
    {
        var now = time.GetUtcNow();
        var completed = false;
        foreach (var entry in state.Journal)
        {
            if (entry is { Kind: JournalOpKind.Wait, Completed: false } && entry.DueAt <= now)
            {
                Complete(entry);
                completed = true;
            }
        }

        return completed;
    }

    /// <summary>The token waits whose timeout has passed: their token is asked whether it has timed out.</summary>
    public List<JournalEntry> DueTokenWaits()
    {
        var now = time.GetUtcNow();
        return [.. state.Journal.Where(e => e is { Kind: JournalOpKind.WaitToken, Completed: false } && e.DueAt <= now)];
    }

    /// <summary>Records a child's end in a pending trigger-and-wait; false when nothing waits for that child.</summary>
    public bool RecordChildResult(string key, int index, ChildRunResult result)
    {
        if (state.FindEntry(key) is not { Kind: JournalOpKind.TriggerAndWait, Completed: false } entry
            || index < 0 || index >= entry.ChildRunIds!.Count || entry.ChildRunIds[index] != result.RunId || entry.ChildResults![index] is not null)
        {
            return false;
        }

        entry.ChildResults[index] = result;
        if (entry.ChildResults.All(r => r is not null))
        {
            Complete(entry);
        }

        return true;
    }

    /// <summary>Records a settled token (completed or timed out) in a pending token wait; false when nothing waits for it.</summary>
    public bool SettleToken(string key, WaitpointToken token)
    {
        if (token.Status == WaitpointStatus.Waiting
            || state.FindEntry(key) is not { Kind: JournalOpKind.WaitToken, Completed: false } entry || entry.TokenId != token.Id)
        {
            return false;
        }

        Settle(entry, token);
        return true;
    }

    public void Settle(JournalEntry entry, WaitpointToken token)
    {
        Complete(entry);
        if (token.Status == WaitpointStatus.Completed)
        {
            entry.ResultJson = token.OutputJson ?? "null";
        }
        else
        {
            entry.Error = new TaskRunError(typeof(WaitpointTimeoutException).FullName!, $"Waitpoint token {token.Id} timed out before it was completed.",
                Code: TaskRunErrorCodes.WaitpointTimedOut);
        }
    }

    /// <summary>The children of pending trigger-and-waits that have not reported their end.</summary>
    public IEnumerable<(string Key, int Index, string RunId)> UnfinishedChildren() =>
        from entry in state.Journal
        where entry is { Kind: JournalOpKind.TriggerAndWait, Completed: false }
        from i in Enumerable.Range(0, entry.ChildRunIds!.Count)
        where entry.ChildResults![i] is null
        select (entry.Key, i, entry.ChildRunIds![i]);

    /// <summary>The tokens pending token waits wait for.</summary>
    public IEnumerable<(string Key, string TokenId)> PendingTokens() =>
        from entry in state.Journal
        where entry is { Kind: JournalOpKind.WaitToken, Completed: false }
        select (entry.Key, entry.TokenId!);

    internal static ChildRunResult ToChildResult(TaskRun run) =>
        new(run.Id, run.TaskId, run.Status, run.OutputJson, run.Status == RunStatus.Completed ? null
            : run.Error ?? new TaskRunError("OrleansTasks.RunNotSuccessful", $"The run ended {run.Status.ToWireName()}."));
}
