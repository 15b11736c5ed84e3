namespace OrleansTasks.Hosting;

/// <summary>How <see cref="ITaskClient"/> behaves when the cluster is hard to reach. Configure with <c>services.Configure&lt;TaskClientOptions&gt;(…)</c>.</summary>
public sealed class TaskClientOptions
{
    /// <summary>
    /// How long a call that failed because a silo died, the cluster was reconfiguring or no gateway answered is sent
    /// again (with backoff) before the caller gets a <see cref="ClusterUnavailableException"/>. Only idempotent calls
    /// are retried: triggers (each carries the run id made for it), reads, cancels, queue changes. Default: 30 seconds,
    /// long enough to ride through a silo being killed and declared dead.
    /// </summary>
    public TimeSpan RetryTransientFailuresFor { get; set; } = TimeSpan.FromSeconds(30);
}
