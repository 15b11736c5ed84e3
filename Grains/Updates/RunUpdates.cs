using Microsoft.Extensions.Logging;
using OrleansTasks.Realtime;
using OrleansTasks.Storage;

namespace OrleansTasks.Updates;

/// <summary>Receives the committed updates of the runs on this silo that it wants, in sequence order per run. Must not block.</summary>
internal interface IRunUpdateObserver
{
    /// <summary>Whether an update of this run is wanted; asked before the update is made, so it must be cheap.</summary>
    bool Wants(RunState state);

    void OnUpdated(RunUpdate update);
}

/// <summary>
/// The run update point: the run grain prepares an update with every write and hands it on when the write commits.
/// An update is made only when an observer wants it: realtime publishing wants the runs somebody follows, so a run
/// nobody follows costs nothing here beyond being counted in <see cref="DeclinedWrites"/> until its write ends.
/// </summary>
internal sealed partial class RunUpdates(IEnumerable<IRunUpdateObserver> observers, DeclinedWrites declined, ILogger<RunUpdates> logger)
{
    private readonly IRunUpdateObserver[] _observers = [.. observers];

    /// <summary>
    /// The update a write of <paramref name="state"/> makes, taken before the write. Whatever the write's outcome, the
    /// result goes back through <see cref="Publish"/> (committed) or <see cref="Abandon"/> (failed).
    /// </summary>
    public PreparedUpdate Prepare(RunState state)
    {
        // Counted before asking, so an observer that starts wanting updates can wait for this write (DeclinedWrites).
        var ticket = declined.Enter();
        foreach (var observer in _observers)
        {
            if (observer.Wants(state))
            {
                declined.Leave(ticket);
                return new PreparedUpdate(new RunUpdate(state.Id, state.Version, state.ToTaskRun()), default);
            }
        }

        return new PreparedUpdate(null, ticket);
    }

    /// <summary>The write of <paramref name="prepared"/> committed: hand its update, if one was made, to every observer.</summary>
    public void Publish(PreparedUpdate prepared)
    {
        declined.Leave(prepared.Ticket);
        if (prepared.Update is not { } update)
        {
            return;
        }

        foreach (var observer in _observers)
        {
            // Every observer gets it, as it was made for one; one that did not want it ignores it.
            try
            {
                observer.OnUpdated(update);
            }
            catch (Exception exception)
            {
                LogObserverFailed(exception, update.RunId, update.Sequence);
            }
        }
    }

    /// <summary>The write of <paramref name="prepared"/> failed, or its update is older than one already handed on.</summary>
    public void Abandon(PreparedUpdate prepared) => declined.Leave(prepared.Ticket);

    [LoggerMessage(Level = LogLevel.Warning, Message = "An observer of run updates failed on update {Sequence} of run {RunId}.")]
    private partial void LogObserverFailed(Exception exception, string runId, long sequence);
}

/// <summary>What <see cref="RunUpdates.Prepare"/> made of a write: its update, or (nobody wanted one) its place among the declined writes.</summary>
internal readonly record struct PreparedUpdate(RunUpdate? Update, DeclinedWrites.Ticket Ticket);
