using Orleans.Concurrency;
using OrleansTasks.Storage;

namespace OrleansTasks.Logs;

/// <summary>
/// Reads a run's log entries from the store; a stateless worker, so reads are served by the silo a client reaches.
/// It first flushes that silo's writer, so what was logged there before the call is in the answer; entries written on
/// another silo reach the store one commit after they were logged.
/// </summary>
[StatelessWorker]
internal sealed class RunLogQueryGrain(RunLogWriter writer, IRunLogStore logs, IRunStore runs) : Grain, IRunLogQueryGrain
{
    /// <summary>How long a read waits for the writer; a writer stuck retrying a failing write must not hold reads up.</summary>
    private static readonly TimeSpan s_flushWait = TimeSpan.FromSeconds(5);

    public async Task<IReadOnlyList<RunLogEntry>> GetLogsAsync(string runId, int limit)
    {
        // Checked again here: a caller need not be our client.
        Guard.NotBlank(runId);
        RunLogLimits.ValidateLimit(limit);
        try
        {
            await writer.FlushAsync().WaitAsync(s_flushWait);
        }
        catch (TimeoutException)
        {
            // Answer with what is stored.
        }

        var entries = await logs.ListAsync(runId, limit);

        // Only a run with no entries needs looking up: entries are written by runs that exist.
        if (entries.Count == 0 && await runs.LoadAsync(runId) is null)
        {
            throw new RunNotFoundException(runId);
        }

        return entries;
    }
}
