using OrleansTasks.Logs;

namespace OrleansTasks;

/// <summary>Run logs.</summary>
internal sealed partial class TaskClient
{
    public Task<IReadOnlyList<RunLogEntry>> GetLogsAsync(string runId, int limit = 1000, CancellationToken cancellationToken = default)
    {
        Guard.NotBlank(runId);
        RunLogLimits.ValidateLimit(limit, nameof(limit));

        // Reading is idempotent, so a call that may not have arrived is tried again.
        return CallAsync(() => grains.Reference<IRunLogQueryGrain>(0).GetLogsAsync(runId, limit), cancellationToken);
    }
}
