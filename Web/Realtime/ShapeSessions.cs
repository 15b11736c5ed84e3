using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Extensions.Hosting;

namespace OrleansTasks.Web.Realtime;

/// <summary>
/// The realtime shapes clients follow over HTTP on this process, by handle. A shape nobody has polled for
/// <see cref="IdleLimit"/> is closed (its subscription's lease released). A client that comes back with a handle this
/// process does not hold (it was closed, or another silo served it) is told to start over (409), as Electric's
/// protocol has it. Shapes close when the host stops (before the silo does: the API is added after it).
/// </summary>
internal sealed class ShapeSessions : IHostedService, IAsyncDisposable
{
    public static readonly TimeSpan IdleLimit = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, ShapeSession> _sessions = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ITimer _sweeper;

    public ShapeSessions(TimeProvider time)
    {
        _time = time;
        _sweeper = time.CreateTimer(_ => _ = SweepAsync(), null, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(15));
    }

    public static string NewHandle() => Convert.ToHexString(RandomNumberGenerator.GetBytes(12)).ToLowerInvariant();

    public ShapeSession? Find(string handle)
    {
        if (_sessions.TryGetValue(handle, out var session))
        {
            session.Touched = _time.GetTimestamp();
            return session;
        }

        return null;
    }

    public void Add(ShapeSession session) => _sessions[session.Handle] = session;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Closes every shape while the cluster can still be told (the API's services stop before the silo's).</summary>
    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync().ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        await _sweeper.DisposeAsync().ConfigureAwait(false);
        foreach (var session in _sessions.Values)
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }

        _sessions.Clear();
    }

    private async Task SweepAsync()
    {
        foreach (var (handle, session) in _sessions)
        {
            if (_time.GetElapsedTime(session.Touched) > IdleLimit && _sessions.TryRemove(handle, out _))
            {
                await session.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
