namespace OrleansTasks.Hosting;

/// <summary>How <see cref="ITaskClient"/> behaves when the cluster is hard to reach. Configure with <c>services.Configure&lt;TaskClientOptions&gt;(…)</c>.</summary>
public sealed class TaskClientOptions
{
    /// <summary>
    /// How long a call that failed because a silo died, the cluster was reconfiguring or no gateway answered is sent
    /// again (with backoff) before the caller gets a <see cref="ClusterUnavailableException"/>; also how long a call
    /// made before the client's first connection waits for it. Every call is safe to send again: a trigger carries the
    /// run id made for it, a token completion that did land is recognised by its data, and the rest are reads, cancels
    /// and queue changes. Default: 30 seconds, long enough to ride through a silo being killed and declared dead.
    /// </summary>
    public TimeSpan RetryTransientFailuresFor { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Whether an external client connects in the background (the default): the host starts at once whether or not a
    /// silo is up, and <see cref="ITaskClient"/> calls wait for the connection. Set it to false if the application also
    /// calls <c>IClusterClient</c> directly as soon as the host has started: the host's start then waits until the client
    /// has connected (retrying for as long as it takes). Has no effect on a client inside a silo.
    /// </summary>
    public bool ConnectInBackground { get; set; } = true;

    /// <summary>
    /// How often an open realtime subscription renews its lease on what it follows and checks that it has missed
    /// nothing (after a silo died, say), reading its snapshot again if it may have. It bounds how late a lost update
    /// can arrive; the lease lasts three heartbeats. Default: 5 seconds.
    /// </summary>
    public TimeSpan RealtimeHeartbeat { get; set; } = TimeSpan.FromSeconds(5);
}
