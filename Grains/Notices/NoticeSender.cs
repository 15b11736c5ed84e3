using Microsoft.Extensions.Logging;

namespace OrleansTasks.Notices;

/// <summary>
/// Sends the notices that move other runs on (a child's end to its parent, a token's completion to its waiters, a
/// run's request for a slot and the queue's grant) as acknowledged calls: each is awaited, and one that fails because
/// a silo died or the cluster is reconfiguring is sent again with backoff until it is answered. Every notice is
/// idempotent at its receiver, so a second copy changes nothing. One per silo; a grain hands a notice over and goes on
/// at once, never waiting on it.
/// </summary>
/// <remarks>
/// A notice still unanswered after <see cref="GiveUpAfter"/>, or when this silo stops, is dropped: each has a durable
/// backstop (the parent is made due in the wake-up index by the child's final write, a queue rebuilds from the
/// <c>runs</c> table and reconciles with it), so a dropped notice only costs time.
/// </remarks>
internal sealed partial class NoticeSender(TimeProvider time, ILogger<NoticeSender> logger) : IDisposable
{
    internal static readonly TimeSpan GiveUpAfter = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan s_maxBackoff = TimeSpan.FromSeconds(5);

    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Sends <paramref name="notice"/> now and returns at once; it is retried in the background if it fails transiently.</summary>
    /// <param name="notice">The call to make.</param>
    /// <param name="what">Names the notice in the log, e.g. "end of run_… to run_…".</param>
    public void Send(Func<Task> notice, NoticeName what)
    {
        Task first;
        try
        {
            first = notice();
        }
        catch (Exception exception)
        {
            first = Task.FromException(exception);
        }

        if (first.IsCompletedSuccessfully)
        {
            return;
        }

        // Its first await leaves the caller's scheduler (a grain that sent the notice may deactivate while it is being
        // retried), so there is no need to queue it to the thread pool first.
        _ = RetryAsync(first, notice, what);
    }

    /// <summary>Stops retrying: the silo is going down.</summary>
    public void Stop() => _stopping.Cancel();

    public void Dispose() => _stopping.Dispose();

    private async Task RetryAsync(Task first, Func<Task> notice, NoticeName what)
    {
        var started = time.GetTimestamp();
        var current = first;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await current.ConfigureAwait(false);
                if (attempt > 1)
                {
                    LogDelivered(what, attempt);
                }

                return;
            }
            catch (Exception exception) when (TransientFailures.IsTransient(exception))
            {
                if (_stopping.IsCancellationRequested || time.GetElapsedTime(started) > GiveUpAfter)
                {
                    LogGaveUp(exception, what, attempt);
                    return;
                }

                try
                {
                    await Task.Delay(TransientFailures.Backoff(attempt, s_maxBackoff), time, _stopping.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    LogGaveUp(exception, what, attempt);
                    return;
                }
            }
            catch (Exception exception)
            {
                LogRefused(exception, what);
                return;
            }

            try
            {
                current = notice();
            }
            catch (Exception exception)
            {
                current = Task.FromException(exception);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Notice ({What}) delivered on try {Attempt}")]
    private partial void LogDelivered(NoticeName what, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notice ({What}) not delivered after {Attempt} tries; its durable backstop will move the run on")]
    private partial void LogGaveUp(Exception exception, NoticeName what, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notice ({What}) was refused by its receiver")]
    private partial void LogRefused(Exception exception, NoticeName what);
}

/// <summary>Names a notice in the log ("grant to run_…", "end of run_… to run_…"); formatted only when it is logged.</summary>
/// <param name="What">What the notice is.</param>
/// <param name="Subject">The run or token it is about.</param>
/// <param name="Target">Whom it goes to, when that is not the subject.</param>
internal readonly record struct NoticeName(string What, string Subject, string? Target = null)
{
    public override string ToString() => Target is null ? $"{What} {Subject}" : $"{What} {Subject} to {Target}";
}
