using Microsoft.Extensions.Logging;
using OrleansTasks.Storage;

namespace OrleansTasks.Updates;

/// <summary>
/// One change of a run as readers see it: the run after the change, numbered by <paramref name="Sequence"/> (the
/// run's version), which only grows. Made at the one point where a run is written, and handed on only once the write
/// has committed, so a sequence number is never seen twice with different contents.
/// </summary>
internal sealed record RunUpdate(string RunId, long Sequence, TaskRun Run);

/// <summary>Receives every committed update of every run on this silo, in sequence order per run. Must not block.</summary>
internal interface IRunUpdateObserver
{
    void OnUpdated(RunUpdate update);
}

/// <summary>
/// The run update point: the run grain prepares an update with every write and hands it on when the write commits.
/// Nothing observes it by default (and then no update is even made); realtime subscriptions will.
/// </summary>
internal sealed partial class RunUpdates(IEnumerable<IRunUpdateObserver> observers, ILogger<RunUpdates> logger)
{
    private readonly IRunUpdateObserver[] _observers = [.. observers];

    /// <summary>The update a write of <paramref name="state"/> makes, taken before the write; null when nothing observes updates.</summary>
    public RunUpdate? Prepare(RunState state) => _observers.Length == 0 ? null : new RunUpdate(state.Id, state.Version, state.ToTaskRun());

    /// <summary>The write of <paramref name="update"/> committed: hand it to every observer.</summary>
    public void Publish(RunUpdate update)
    {
        foreach (var observer in _observers)
        {
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
