using System.Text.Json;
using OrleansTasks.Runs;

namespace OrleansTasks.Waitpoints;

/// <summary>
/// One waitpoint token. Completing it records the data and tells every waiting run; a token past its timeout is
/// timed out the moment anything looks at it (the waiting runs time out their own waits at the same moment).
/// </summary>
internal sealed class WaitpointTokenGrain(IWaitpointStore store, Storage.IRunStore runs, Notices.NoticeSender notices, TimeProvider time) : Grain, IWaitpointTokenGrain
{
    private WaitpointState? _state;

    private string Id => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken) =>
        _state = await store.LoadAsync(Id, cancellationToken);

    public async Task<WaitpointToken> CreateAsync(WaitTokenOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (_state is not null)
        {
            return _state.ToToken();
        }

        WaitpointValidation.Validate(options);
        var now = time.GetUtcNow();
        _state = new WaitpointState
        {
            Id = Id,
            CreatedAt = now,
            TimeoutAt = now + (options.Timeout ?? WaitTokenOptions.DefaultTimeout),
            IdempotencyKey = options.IdempotencyKey,
            IdempotencyExpiresAt = options.IdempotencyKey is null ? null : now + (options.IdempotencyKeyTtl ?? WaitTokenOptions.DefaultIdempotencyKeyTtl),
            Tags = [.. options.Tags ?? []],
        };
        await store.SaveAsync(_state);
        return _state.ToToken();
    }

    public async Task<WaitpointToken> GetAsync() => (await CurrentAsync()).ToToken();

    public async Task<WaitpointToken> CompleteAsync(string dataJson)
    {
        var state = await CurrentAsync();
        if (state.Status != WaitpointStatus.Waiting)
        {
            throw new WaitpointAlreadyCompletedException(Id, state.Status);
        }

        try
        {
            using var _ = JsonDocument.Parse(dataJson);
        }
        catch (JsonException exception)
        {
            throw new InvalidRequestException($"The data to complete waitpoint token {Id} with is not valid JSON ({exception.Message}).", nameof(dataJson));
        }

        state.Status = WaitpointStatus.Completed;
        state.CompletedAt = time.GetUtcNow();
        state.OutputJson = dataJson;
        await store.SaveAsync(state);
        await NotifyWaitersAsync(state);
        return state.ToToken();
    }

    public async Task<WaitpointToken> AddWaiterAsync(string runId, string key)
    {
        var state = await CurrentAsync();
        if (state.Status == WaitpointStatus.Waiting && !state.Waiters.Contains(new WaitpointWaiter(runId, key)))
        {
            state.Waiters.Add(new WaitpointWaiter(runId, key));
            await store.SaveAsync(state);
        }

        return state.ToToken();
    }

    public async Task RemoveWaiterAsync(string runId)
    {
        if (_state is { } state && state.Waiters.RemoveAll(w => w.RunId == runId) > 0)
        {
            await store.SaveAsync(state);
        }
    }

    /// <summary>The state as it is now: a waiting token past its timeout is timed out.</summary>
    internal static WaitpointState WithTimeout(WaitpointState state, DateTimeOffset now)
    {
        if (state.Status == WaitpointStatus.Waiting && state.TimeoutAt <= now)
        {
            state.Status = WaitpointStatus.TimedOut;
            state.CompletedAt = state.TimeoutAt;
        }

        return state;
    }

    private async Task<WaitpointState> CurrentAsync()
    {
        var state = _state ?? throw new WaitpointNotFoundException(Id);
        var before = state.Status;
        WithTimeout(state, time.GetUtcNow());
        if (before != state.Status)
        {
            await store.SaveAsync(state);
            await NotifyWaitersAsync(state);
        }

        return state;
    }

    /// <summary>
    /// Tells the waiting runs, each notice retried until answered. The suspended ones are first made due in the
    /// wake-up index, so a notice lost with a silo still leaves them moving on within seconds.
    /// </summary>
    private async Task NotifyWaitersAsync(WaitpointState state)
    {
        if (state.Waiters.Count == 0)
        {
            return;
        }

        await runs.WakeAsync([.. state.Waiters.Select(w => w.RunId).Distinct(StringComparer.Ordinal)]);
        var token = state.ToToken();
        foreach (var waiter in state.Waiters)
        {
            var run = GrainFactory.Reference<IRunGrain>(waiter.RunId);
            notices.Send(() => run.OnTokenCompletedAsync(waiter.Key, token), new("token", token.Id, waiter.RunId));
        }
    }
}
