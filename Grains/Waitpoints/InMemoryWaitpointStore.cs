using System.Collections.Concurrent;
using System.Text.Json;

namespace OrleansTasks.Waitpoints;

/// <summary>Tokens kept in memory, for development mode and tests. One instance may be shared by several silos.</summary>
internal sealed class InMemoryWaitpointStore : IWaitpointStore
{
    private readonly ConcurrentDictionary<string, string> _tokens = new(StringComparer.Ordinal);

    public Task<WaitpointState?> LoadAsync(string id, CancellationToken cancellationToken = default) =>
        Task.FromResult(_tokens.TryGetValue(id, out var json) ? JsonSerializer.Deserialize<WaitpointState>(json, TaskJson.Options) : null);

    public Task SaveAsync(WaitpointState state, CancellationToken cancellationToken = default)
    {
        // Kept serialized, so a caller's later changes to its state never leak into the store.
        _tokens[state.Id] = JsonSerializer.Serialize(state, TaskJson.Options);
        return Task.CompletedTask;
    }

    public Task<string?> FindByIdempotencyKeyAsync(string idempotencyKey, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        Task.FromResult(All()
            .Where(t => t.IdempotencyKey == idempotencyKey && t.IdempotencyExpiresAt > now)
            .OrderByDescending(t => t.CreatedAt)
            .Select(t => t.Id)
            .FirstOrDefault());

    public Task<IReadOnlyList<WaitpointToken>> ListAsync(WaitpointTokenFilter filter, WaitpointCursor? after, int limit, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<WaitpointToken> page = [.. All()
            .Select(t => WaitpointTokenGrain.WithTimeout(t, now).ToToken())
            .Where(t => filter.Status is null || t.Status == filter.Status)
            .Where(t => filter.IdempotencyKey is null || t.IdempotencyKey == filter.IdempotencyKey)
            .Where(t => filter.Tags is not { Count: > 0 } || t.Tags.Any(filter.Tags.Contains))
            .Where(t => filter.From is null || t.CreatedAt >= filter.From)
            .Where(t => filter.To is null || t.CreatedAt < filter.To)
            .OrderByDescending(t => t.CreatedAt).ThenByDescending(t => t.Id, StringComparer.Ordinal)
            .Where(t => after is null || t.CreatedAt < after.CreatedAt || (t.CreatedAt == after.CreatedAt && string.CompareOrdinal(t.Id, after.Id) < 0))
            .Take(limit)];
        return Task.FromResult(page);
    }

    private IEnumerable<WaitpointState> All() => _tokens.Values.Select(json => JsonSerializer.Deserialize<WaitpointState>(json, TaskJson.Options)!);
}
