namespace OrleansTasks.Queues;

/// <summary>
/// A queue's side of the environment permit protocol (see <see cref="IEnvironmentGrain"/>), with no Orleans in it:
/// the permits the queue holds (one per slot), the grants it accepts, and the reports it owes the environment. Reports
/// are absolute and sent only when they would change what the environment does, so a busy queue reusing its permits
/// sends nothing.
/// </summary>
internal sealed class PermitLease(string queue)
{
    /// <summary>A queue that still wants permits says so again this often, in case a report or grant was lost.</summary>
    public static readonly TimeSpan DemandRefresh = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a queue keeps permits it has no run for while no other queue waits for them. Runs of a burst arrive one
    /// by one and each is granted at once, so the backlog empties between them: handing the spare permits back each
    /// time and asking again for the next run cost two messages with the environment per run.
    /// </summary>
    public static readonly TimeSpan IdleKeep = TimeSpan.FromSeconds(1);

    private long _generation;
    private long _received;
    private long _reportSequence;
    private int _reportedWanted = -1;
    private long _reportedHead;
    private int _reportedHeld = -1;
    private DateTimeOffset _lastGrantAt;
    private DateTimeOffset _lastReportAt;
    private DateTimeOffset _lastDemandAt;

    /// <summary>
    /// A report that wants permits is out and the environment has not answered since. More wanted is then not reported
    /// until it answers (the answer forces the next report, with all of it): a burst of thousands of runs arriving one
    /// by one costs a few round trips with the environment, not one per run.
    /// </summary>
    private bool _awaitingAnswer;

    /// <summary>Free permits the environment last reported; until it says otherwise, assume some are.</summary>
    private int _environmentFree = int.MaxValue;

    /// <summary>This queue activation's id: grants made for an earlier one are void.</summary>
    public Guid Epoch { get; } = Guid.NewGuid();

    /// <summary>Permits held: one per slot, plus any not yet used or handed back.</summary>
    public int Held { get; private set; }

    /// <summary>Whether other queues wait for permits: a freed slot's permit then goes back rather than to this queue's next run.</summary>
    public bool Contended { get; private set; }

    /// <summary>The queue was rebuilt with <paramref name="running"/> runs holding slots: they hold permits.</summary>
    public void Rebuilt(int running) => Held = running;

    /// <summary>A slot was freed: its permit is kept for the next run, or handed back while others wait.</summary>
    public void SlotFreed()
    {
        if (Contended)
        {
            Held--;
        }
    }

    /// <summary>A run found executing under a grant this activation never saw: it holds a permit all the same.</summary>
    public void Adopted() => Held++;

    /// <summary>
    /// Takes in a grant or news from the environment. False when it comes from an environment activation that has
    /// since been replaced (ignored); otherwise <paramref name="mustReport"/> says whether the next report is owed
    /// whatever it says (a new environment generation, or permits spent its idea of what this queue wants).
    /// </summary>
    public bool Accept(PermitGrant grant, DateTimeOffset now, out bool mustReport)
    {
        mustReport = false;
        if (grant.Generation < _generation)
        {
            return false;
        }

        _awaitingAnswer = false;

        if (grant.Generation > _generation)
        {
            _generation = grant.Generation;
            _received = 0;
            mustReport = true;
        }

        if (grant.Count > 0)
        {
            // Permits for this activation are held; either way the environment's idea of what this queue wants is spent.
            mustReport = true;
            if (grant.Epoch == Epoch)
            {
                Held += grant.Count;
                _received += grant.Count;
                _lastGrantAt = now;
            }
        }

        Contended = grant.Contended;
        _environmentFree = grant.Free;
        return true;
    }

    /// <summary>When the spare permits kept for the next run go back if none comes (the queue's clock fires then); null if none are kept.</summary>
    public DateTimeOffset? HandBackAt(int running) => Held > running && !Contended ? _lastDemandAt + IdleKeep : null;

    /// <summary>
    /// Hands back permits the queue cannot use and works out how many more it wants; returns the report to send, or
    /// null if the environment would do nothing different with it. <paramref name="demand"/> is how many runs could
    /// start now given permits; <paramref name="head"/> the queue order of the best of them.
    /// </summary>
    public PermitDemand? Report(DateTimeOffset now, int running, int demand, long head, bool force)
    {
        if (demand > 0)
        {
            _lastDemandAt = now;
        }

        // Spare permits go back at once while other queues wait for them, else once the queue has been idle a moment.
        var free = Held - running;
        if (free > 0 && demand == 0 && (Contended || now - _lastDemandAt >= IdleKeep))
        {
            Held -= free;
        }

        var wanted = Math.Max(0, demand - Math.Max(0, Held - running));
        var changed = force
            || Held != _reportedHeld && (Held < _reportedHeld || Contended)
            || (wanted > 0) != (_reportedWanted > 0)
            || wanted > _reportedWanted && _environmentFree > 0 && !_awaitingAnswer
            || wanted > 0 && Contended && head < _reportedHead
            || wanted > 0 && now - _lastGrantAt > DemandRefresh && now - _lastReportAt > DemandRefresh;
        if (!changed)
        {
            return null;
        }

        _reportedHeld = Held;
        _reportedWanted = wanted;
        _reportedHead = head;
        _lastReportAt = now;
        _awaitingAnswer = wanted > 0;
        return new PermitDemand(queue, Epoch, ++_reportSequence, _generation, Held, _received, wanted, head);
    }
}
