using System.Collections.Concurrent;
using OrleansTasks.Realtime;
using OrleansTasks.Storage;
using OrleansTasks.Updates;

namespace OrleansTasks.Tests.Infrastructure;

/// <summary>Every run update the silos of a fixture hand on, per run, in the order they came.</summary>
internal sealed class RecordedUpdates : IRunUpdateObserver
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<RunUpdate>> _byRun = new(StringComparer.Ordinal);

    public bool Wants(RunState state) => true;

    public void OnUpdated(RunUpdate update) => _byRun.GetOrAdd(update.RunId, _ => new()).Enqueue(update);

    public IReadOnlyList<RunUpdate> Of(string runId) => _byRun.TryGetValue(runId, out var updates) ? [.. updates] : [];
}
