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
/// nobody follows costs nothing here.
/// </summary>
internal sealed partial class RunUpdates(IEnumerable<IRunUpdateObserver> observers, ILogger<RunUpdates> logger)
{
    private readonly IRunUpdateObserver[] _observers = [.. observers];

    /// <summary>The update a write of <paramref name="state"/> makes, taken before the write; null when no observer wants it.</summary>
    public RunUpdate? Prepare(RunState state)
    {
        foreach (var observer in _observers)
        {
            if (observer.Wants(state))
            {
                return new RunUpdate(state.Id, state.Version, state.ToTaskRun());
            }
        }

        return null;
    }

    /// <summary>The write of <paramref name="update"/> committed: hand it to every observer.</summary>
    public void Publish(RunUpdate update)
    {
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "An observer of run updates failed on update {Sequence} of run {RunId}.")]
    private partial void LogObserverFailed(Exception exception, string runId, long sequence);
}
