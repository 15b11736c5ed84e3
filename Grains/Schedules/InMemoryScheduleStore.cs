using System.Collections.Concurrent;

namespace OrleansTasks.Schedules;

/// <summary>Schedules in memory, for development mode and tests: nothing survives a restart.</summary>
internal sealed class InMemoryScheduleStore : IScheduleStore
{
    private readonly ConcurrentDictionary<string, ScheduleState> _schedules = new(StringComparer.Ordinal);

    public Task<ScheduleState?> LoadAsync(string id, CancellationToken cancellationToken = default) =>
        Task.FromResult(_schedules.GetValueOrDefault(id));

    public Task SaveAsync(ScheduleState state, CancellationToken cancellationToken = default)
    {
        _schedules[state.Id] = state;
        return Task.CompletedTask;
    }

    public Task DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        _schedules.TryRemove(id, out _);
        return Task.CompletedTask;
    }

    public Task<(IReadOnlyList<ScheduleState> Page, int Count)> ListAsync(int offset, int limit, string? taskId, CancellationToken cancellationToken = default)
    {
        var matching = _schedules.Values
            .Where(s => taskId is null || s.Spec.TaskId == taskId)
            .OrderByDescending(s => s.CreatedAt).ThenByDescending(s => s.Id, StringComparer.Ordinal)
            .ToList();
        return Task.FromResult<(IReadOnlyList<ScheduleState>, int)>(([.. matching.Skip(offset).Take(limit)], matching.Count));
    }

    public Task<IReadOnlyList<string>> ListDeclarativeAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<string>>([.. _schedules.Values.Where(s => s.Spec.Type == ScheduleType.Declarative).Select(s => s.Id)]);

    public Task<IReadOnlyList<string>> FindOverdueAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<string>>([.. _schedules.Values
            .Where(s => s.Active && s.WakeAt < before)
            .OrderBy(s => s.WakeAt)
            .Take(limit)
            .Select(s => s.Id)]);
}
