using System.Diagnostics.Tracing;
using System.Globalization;

namespace OrleansTasks.Bench;

/// <summary>
/// Listens to the runtime's own GC events in this process and keeps each collection's generation, kind, reason, pause
/// (suspension to restart), bytes promoted and GC heap count, so a scenario can say which collections made its tail;
/// with BENCH_ALLOCATIONS=1 it also sums the sampled allocations by type in the first seconds of every minute (the
/// schedules' bursts).
/// </summary>
internal sealed class GcPauses : EventListener
{
    private const int GcStart = 1;
    private const int RestartEnd = 3;
    private const int HeapStats = 4;
    private const int SuspendBegin = 9;
    private const int GlobalHeapHistory = 205;
    private const int AllocationTick = 10;

    /// <summary>With BENCH_ALLOCATIONS=1: sampled allocation by type in the first three seconds of every minute.</summary>
    private static readonly bool s_allocations = Environment.GetEnvironmentVariable("BENCH_ALLOCATIONS") == "1";

    private readonly Dictionary<string, long> _allocated = [];

    private readonly object _gate = new();
    private readonly List<Collection> _collections = [];
    private DateTime _suspendedAt;
    private (int Generation, int Type, int Reason)? _current;
    private long _promoted;
    private int _heaps;

    public readonly record struct Collection(DateTime At, int Generation, string Kind, int Reason, TimeSpan Pause, long PromotedBytes, int Heaps);

    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, s_allocations ? EventLevel.Verbose : EventLevel.Informational, (EventKeywords)0x1);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        lock (_gate)
        {
            switch (e.EventId)
            {
                case AllocationTick when e.TimeStamp.Second < 3 && e.Payload is { Count: >= 6 } p:
                    var name = p[5] as string ?? "?";
                    _allocated[name] = _allocated.GetValueOrDefault(name) + Convert.ToInt64(p[3], CultureInfo.InvariantCulture);
                    break;
                case HeapStats when e.Payload is { } p && e.PayloadNames is { } names:
                    _promoted = Convert.ToInt64(p[names.IndexOf("TotalPromotedSize0")], CultureInfo.InvariantCulture)
                        + Convert.ToInt64(p[names.IndexOf("TotalPromotedSize1")], CultureInfo.InvariantCulture);
                    break;
                case GlobalHeapHistory when e.Payload is { } p && e.PayloadNames is { } names && names.IndexOf("NumHeaps") is >= 0 and var at:
                    _heaps = Convert.ToInt32(p[at], CultureInfo.InvariantCulture);
                    break;
                case SuspendBegin:
                    _suspendedAt = e.TimeStamp;
                    break;
                case GcStart when e.Payload is { Count: >= 4 } p:
                    _current = (Convert.ToInt32(p[1], CultureInfo.InvariantCulture), Convert.ToInt32(p[3], CultureInfo.InvariantCulture), Convert.ToInt32(p[2], CultureInfo.InvariantCulture));
                    break;
                case RestartEnd when _suspendedAt != default:
                    var (generation, type, reason) = _current ?? (-1, -1, -1);
                    _collections.Add(new Collection(_suspendedAt, generation, type switch { 0 => "blocking", 1 => "background", 2 => "foreground", _ => "pause" }, reason, e.TimeStamp - _suspendedAt, _promoted, _heaps));
                    _promoted = 0;
                    _suspendedAt = default;
                    _current = null;
                    break;
            }
        }
    }

    /// <summary>The pauses between <paramref name="from"/> and <paramref name="to"/>, as "second:gen/kind/reason/ms/pMB/hHeaps" for those of at least <paramref name="atLeast"/>.</summary>
    public string Describe(DateTimeOffset from, DateTimeOffset to, TimeSpan atLeast)
    {
        lock (_gate)
        {
            var inRange = _collections.Where(c => c.At >= from.UtcDateTime && c.At <= to.UtcDateTime).ToList();
            var total = inRange.Aggregate(TimeSpan.Zero, (sum, c) => sum + c.Pause);
            var longest = inRange.Where(c => c.Pause >= atLeast).Select(c =>
                string.Create(CultureInfo.InvariantCulture, $"{c.At:mm:ss.f}:g{c.Generation}/{c.Kind}/r{c.Reason}/{c.Pause.TotalMilliseconds:F0}/p{c.PromotedBytes >> 20}/h{c.Heaps}"));
            return string.Create(CultureInfo.InvariantCulture, $"gc_count={inRange.Count} gc_pause_ms={total.TotalMilliseconds:F0} gc_long=[{string.Join(",", longest)}]");
        }
    }

    /// <summary>With BENCH_ALLOCATIONS=1, writes the sampled allocations by type to standard error, the largest first.</summary>
    public void WriteAllocations()
    {
        if (!s_allocations)
        {
            return;
        }

        lock (_gate)
        {
            var top = string.Join(",", _allocated.OrderByDescending(a => a.Value).Take(30).Select(a => $"{a.Key}={a.Value >> 10}KB"));
            Console.Error.WriteLine($"allocations in bursts: total={_allocated.Values.Sum() >> 20}MB top={top}");
        }
    }
}
