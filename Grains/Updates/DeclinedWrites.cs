namespace OrleansTasks.Updates;

/// <summary>
/// The run writes in flight on this silo for which no update was made, because nobody wanted one when the write
/// began. Whoever starts wanting updates (a realtime subscriber's lease reaching this silo) first waits here for those
/// writes to end: a write that began before the change and commits after the subscriber read its snapshot would
/// otherwise reach neither the snapshot nor the stream.
/// </summary>
/// <remarks>
/// Writes are counted in two alternating phases. <see cref="DrainAsync"/> moves new writes to the other phase and
/// waits for the old one to empty, so a steady stream of writes cannot hold it up. The caller must make its change
/// visible before draining: a write counted in the new phase then sees the change when it asks whether it is wanted.
/// </remarks>
internal sealed class DeclinedWrites(TimeProvider time)
{
    private readonly long[] _inFlight = new long[2];
    private readonly SemaphoreSlim _draining = new(1, 1);
    private int _phase;

    /// <summary>Counts a write beginning; call before asking whether anybody wants its update.</summary>
    public Ticket Enter()
    {
        var phase = Volatile.Read(ref _phase);
        Interlocked.Increment(ref _inFlight[phase]);
        return new Ticket(phase + 1);
    }

    /// <summary>The write ended (committed or failed), or it turned out to be wanted after all.</summary>
    public void Leave(Ticket ticket)
    {
        if (ticket.Phase > 0)
        {
            Interlocked.Decrement(ref _inFlight[ticket.Phase - 1]);
        }
    }

    /// <summary>Waits until every write that began before this call has ended; false when <paramref name="limit"/> passed first.</summary>
    public async Task<bool> DrainAsync(TimeSpan limit, CancellationToken cancellationToken = default)
    {
        var deadline = time.GetTimestamp() + (long)(limit.TotalSeconds * time.TimestampFrequency);
        await _draining.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var old = _phase;
            Interlocked.Exchange(ref _phase, 1 - old);
            while (Interlocked.Read(ref _inFlight[old]) > 0)
            {
                if (time.GetTimestamp() >= deadline)
                {
                    return false;
                }

                // Writes end at their commit, a few milliseconds away; a change of interest is rare enough to poll.
                await Task.Delay(TimeSpan.FromMilliseconds(2), time, cancellationToken).ConfigureAwait(false);
            }

            return true;
        }
        finally
        {
            _draining.Release();
        }
    }

    /// <summary>A counted write; the default counts nothing.</summary>
    public readonly record struct Ticket(int Phase);
}
