using System.Diagnostics;

namespace OrleansTasks.Lifecycle;

/// <summary>
/// The lifecycle hooks one execution calls: each timed for the run's timeline (<see cref="RunAttempt.Hooks"/>) and
/// traced as a <c>hook {name}</c> span. Hooks may overlap (<c>OnCancelAsync</c> runs beside the code), so adding is locked.
/// </summary>
internal sealed class HookCalls(TimeProvider time)
{
    private readonly Lock _lock = new();
    private List<HookCall>? _calls;

    /// <summary>The calls made so far, in the order they began; null if none.</summary>
    public IReadOnlyList<HookCall>? Recorded
    {
        get
        {
            lock (_lock)
            {
                return _calls?.OrderBy(c => c.StartedAt).ToArray();
            }
        }
    }

    /// <summary>Starts timing a call of <paramref name="name"/>; disposing it records the call.</summary>
    public Call Start(string name) =>
        new(this, name, time.GetUtcNow(), time.GetTimestamp(), OrleansTasksTelemetry.Source.StartActivity($"hook {name}"));

    private void Add(HookCall call)
    {
        lock (_lock)
        {
            _calls ??= [];
            if (_calls.Count < RunAttempt.MaxHooks)
            {
                _calls.Add(call);
            }
        }
    }

    /// <summary>One hook call being timed.</summary>
    public sealed class Call(HookCalls owner, string name, DateTimeOffset startedAt, long startedTimestamp, Activity? activity) : IDisposable
    {
        private bool _failed;

        /// <summary>The hook threw <paramref name="exception"/>.</summary>
        public void Failed(Exception exception)
        {
            _failed = true;
            activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
        }

        public void Dispose()
        {
            owner.Add(new HookCall(name, startedAt, owner.ElapsedSince(startedTimestamp), _failed));
            activity?.Dispose();
        }
    }

    private TimeSpan ElapsedSince(long timestamp) => time.GetElapsedTime(timestamp);
}
