using System.Diagnostics;
using System.Globalization;

namespace OrleansTasks.Bench;

/// <summary>
/// CPU spent over a measured span: the whole machine's busy time (from <c>/proc/stat</c>, so PostgreSQL on the same box
/// counts, and time the hypervisor stole does not) and this process's own. Divided by the runs, it is a cost per run
/// that a noisy neighbour moves far less than runs per second, so two builds compare on it with fewer repeats.
/// </summary>
internal sealed class CpuMeter
{
    private readonly long _machineStart = MachineBusyTicks();
    private readonly TimeSpan _processStart = Process.GetCurrentProcess().TotalProcessorTime;
    private readonly int[] _collectionsStart = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
    private readonly TimeSpan _pausedStart = GC.GetTotalPauseDuration();
    private readonly long _allocatedStart = GC.GetTotalAllocatedBytes();

    /// <summary>The <c>machine_cpu_ms_per_run</c> and <c>process_cpu_ms_per_run</c> fields for <paramref name="runs"/> runs.</summary>
    public string PerRun(int runs)
    {
        var process = (Process.GetCurrentProcess().TotalProcessorTime - _processStart).TotalMilliseconds / runs;
        var machineTicks = MachineBusyTicks() - _machineStart;
        var machine = _machineStart < 0 ? double.NaN : machineTicks * (1000.0 / TicksPerSecond) / runs;
        return string.Create(CultureInfo.InvariantCulture, $"machine_cpu_ms_per_run={machine:F3} process_cpu_ms_per_run={process:F3}");
    }

    /// <summary>What else the span cost, for telling a slow run from a fast one: collections, pause, allocation, threads.</summary>
    public string Runtime(int runs) => string.Create(CultureInfo.InvariantCulture,
        $"gc0={GC.CollectionCount(0) - _collectionsStart[0]} gc1={GC.CollectionCount(1) - _collectionsStart[1]} gc2={GC.CollectionCount(2) - _collectionsStart[2]} gc_pause_ms={(GC.GetTotalPauseDuration() - _pausedStart).TotalMilliseconds:F0} alloc_kb_per_run={(GC.GetTotalAllocatedBytes() - _allocatedStart) / 1024.0 / runs:F1} threads={ThreadPool.ThreadCount}");

    /// <summary>USER_HZ: the unit of <c>/proc/stat</c>; 100 on every Linux the runtime supports.</summary>
    private const double TicksPerSecond = 100;

    /// <summary>user + nice + system + irq + softirq over all CPUs; -1 where there is no <c>/proc/stat</c>.</summary>
    private static long MachineBusyTicks()
    {
        if (!File.Exists("/proc/stat"))
        {
            return -1;
        }

        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long Field(int i) => long.Parse(fields[i], CultureInfo.InvariantCulture);
        return Field(1) + Field(2) + Field(3) + Field(6) + Field(7);
    }
}
