using OrleansTasks.Streams;

namespace OrleansTasks;

/// <summary>
/// Sends the chunks one execution writes to one stream, in order, numbered from 1: whatever piled up while the previous
/// append was on its way goes as the next one, so a fast producer sends few large appends and a slow one sends each
/// chunk at once. A refused append (a limit) stops the writer; the next write or flush throws it.
/// </summary>
internal sealed class StreamWriter(string source, Func<StreamAppend, Task> send)
{
    /// <summary>How many chunks may wait to be sent before a pipe waits for them: bounds the task's memory and readers' lag.</summary>
    public const int MaxPending = 1024;

    private readonly Lock _lock = new();
    private readonly List<string> _pending = [];
    private Task _sending = Task.CompletedTask;
    private bool _sendingNow;
    private long _sent;
    private bool _endAsked;
    private bool _endSent;
    private Exception? _failure;
    private TaskCompletionSource _progress = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Append(string json)
    {
        lock (_lock)
        {
            ThrowIfStopped();
            _pending.Add(json);
            Kick();
        }
    }

    public void End()
    {
        lock (_lock)
        {
            ThrowIfStopped();
            _endAsked = true;
            Kick();
        }
    }

    /// <summary>Completes at once unless <see cref="MaxPending"/> chunks wait to be sent; then when the append on its way is stored.</summary>
    public Task WhenRoomAsync()
    {
        lock (_lock)
        {
            return _pending.Count < MaxPending || !_sendingNow ? Task.CompletedTask : _progress.Task;
        }
    }

    /// <summary>Waits until every chunk written so far is stored.</summary>
    public async Task FlushAsync()
    {
        Task sending;
        lock (_lock)
        {
            sending = _sending;
        }

        await sending.ConfigureAwait(false);
        lock (_lock)
        {
            if (_failure is not null)
            {
                throw _failure;
            }
        }
    }

    private void ThrowIfStopped()
    {
        if (_failure is not null)
        {
            throw _failure;
        }

        if (_endAsked)
        {
            throw new InvalidOperationException("This stream was ended by the pipe that wrote it; nothing more can be written to it.");
        }
    }

    private void Progressed()
    {
        var progress = _progress;
        _progress = new(TaskCreationOptions.RunContinuationsAsynchronously);
        progress.TrySetResult();
    }

    private void Kick()
    {
        if (!_sendingNow)
        {
            _sendingNow = true;
            _sending = Task.Run(SendLoopAsync);
        }
    }

    private async Task SendLoopAsync()
    {
        while (true)
        {
            StreamAppend append;
            lock (_lock)
            {
                var end = _endAsked && !_endSent;
                if (_pending.Count == 0 && !end)
                {
                    _sendingNow = false;
                    return;
                }

                // At most MaxPending chunks an append (one stored segment); the end goes with the last of them.
                var take = Math.Min(_pending.Count, MaxPending);
                append = new StreamAppend(source, _sent + 1, [.. _pending.Take(take)], end && take == _pending.Count);
            }

            try
            {
                await send(append).ConfigureAwait(false);
            }
            catch (Exception exception)
            {
                lock (_lock)
                {
                    _failure = exception;
                    _pending.Clear();
                    _sendingNow = false;
                    Progressed();
                }

                return;
            }

            lock (_lock)
            {
                _pending.RemoveRange(0, append.ChunksJson.Length);
                _sent += append.ChunksJson.Length + (append.End ? 1 : 0);
                _endSent |= append.End;
                Progressed();
            }
        }
    }
}
