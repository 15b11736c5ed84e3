namespace OrleansTasks.Tests.Infrastructure;

/// <summary>What the runs' own records say about when their attempts ran.</summary>
public static class RunTimeline
{
    /// <summary>The most attempts that were executing at one moment, from their recorded start and end times.</summary>
    public static int MaxOverlap(IEnumerable<TaskRun> runs)
    {
        var edges = runs.SelectMany(r => r.Attempts)
            .SelectMany(a => new[] { (At: a.StartedAt, Delta: 1), (At: a.EndedAt!.Value, Delta: -1) })
            .OrderBy(e => e.At).ThenBy(e => e.Delta);
        int current = 0, peak = 0;
        foreach (var (_, delta) in edges)
        {
            current += delta;
            peak = Math.Max(peak, current);
        }

        return peak;
    }
}
