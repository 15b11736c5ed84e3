using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OrleansTasks.Hosting;

/// <summary>
/// An external client's connection to the cluster, made in the background so that the client's process starts
/// whether or not a silo is up: Orleans' own client start waits for a gateway (and gives up after a few minutes). Calls
/// made before the first connection wait for it, within <see cref="TaskClientOptions.RetryTransientFailuresFor"/>.
/// A client inside a silo has none of this: it is connected from the start.
/// </summary>
internal sealed class ClusterConnection
{
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the client has connected the first time; faults if connecting was given up.</summary>
    public Task Connected => _connected.Task;

    /// <summary>Why the last connection attempt failed, for the error a waiting call gets.</summary>
    public Exception? LastFailure { get; private set; }

    public void OnConnected() => _connected.TrySetResult();

    public void OnFailedAttempt(Exception exception) => LastFailure = exception;

    public void OnGaveUp(Exception exception)
    {
        LastFailure = exception;
        _connected.TrySetException(exception);
    }

    /// <summary>
    /// Registers the background connection on an Orleans client: every hosted service that turns out to be the
    /// cluster client is started in the background, and connection attempts are retried until the host stops.
    /// </summary>
    public static void Register(IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(ClusterConnection)))
        {
            return;
        }

        services.AddSingleton<ClusterConnection>();

        // Orleans registers its client as a hosted service through a factory (its type is internal). Each factory-made
        // hosted service is wrapped; the wrapper passes anything that is not the cluster client through unchanged.
        for (var i = 0; i < services.Count; i++)
        {
            var descriptor = services[i];
            if (descriptor.ServiceType == typeof(IHostedService) && !descriptor.IsKeyedService && descriptor.ImplementationFactory is { } factory)
            {
                services[i] = ServiceDescriptor.Singleton<IHostedService>(sp =>
                {
                    var service = (IHostedService)factory(sp);
                    return service is IClusterClient
                        ? new BackgroundStart(service, sp.GetRequiredService<ClusterConnection>(), sp.GetRequiredService<IOptions<TaskClientOptions>>(), sp.GetRequiredService<ILogger<ClusterConnection>>())
                        : service;
                });
            }
        }

        // Orleans' default gives up after 15 tries (about three minutes); a service must outlive an outage of any length.
        var retry = services.FirstOrDefault(d => d.ServiceType == typeof(IClientConnectionRetryFilter));
        if (retry is null || retry.ImplementationType?.Name == "LinearBackoffClientConnectionRetryFilter")
        {
            if (retry is not null)
            {
                services.Remove(retry);
            }

            services.AddSingleton<IClientConnectionRetryFilter, RetryUntilStopped>();
        }
    }

    /// <summary>Starts the wrapped cluster client without holding up the host's start (unless told to).</summary>
    private sealed class BackgroundStart(IHostedService client, ClusterConnection connection, IOptions<TaskClientOptions> options, ILogger logger) : IHostedService
    {
        private readonly CancellationTokenSource _stopping = new();
        private Task _start = Task.CompletedTask;

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            if (options.Value.ConnectInBackground)
            {
                _start = Task.Run(ConnectAsync, CancellationToken.None);
                return;
            }

            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
            await client.StartAsync(linked.Token).ConfigureAwait(false);
            connection.OnConnected();
        }

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
            await _start.WaitAsync(cancellationToken).ConfigureAwait(false);
            if (connection.Connected.IsCompletedSuccessfully)
            {
                await client.StopAsync(cancellationToken).ConfigureAwait(false);
            }

            _stopping.Dispose();
        }

        private async Task ConnectAsync()
        {
            try
            {
                await client.StartAsync(_stopping.Token).ConfigureAwait(false);
                connection.OnConnected();
                logger.LogInformation("Connected to the OrleansTasks cluster.");
            }
            catch (Exception exception) when (_stopping.IsCancellationRequested)
            {
                connection.OnGaveUp(new OperationCanceledException("The client stopped before it connected to the cluster.", exception));
            }
            catch (Exception exception)
            {
                logger.LogError(exception, "Gave up connecting to the OrleansTasks cluster; every call will fail. Restart the process once a silo is reachable.");
                connection.OnGaveUp(exception);
            }
        }
    }

    /// <summary>Retries connecting, with backoff up to 5 s, until the host stops; warns now and then while it does.</summary>
    private sealed class RetryUntilStopped(ClusterConnection connection, ILogger<ClusterConnection> logger, TimeProvider time) : IClientConnectionRetryFilter
    {
        private int _attempt;
        private long _lastWarning;

        public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
        {
            connection.OnFailedAttempt(exception);
            _attempt++;
            if (_attempt == 1 || time.GetElapsedTime(_lastWarning) >= TimeSpan.FromMinutes(1))
            {
                _lastWarning = time.GetTimestamp();
                logger.LogWarning(
                    "No OrleansTasks silo answers yet ({Error}); the client keeps trying in the background, and calls wait for it up to TaskClientOptions.RetryTransientFailuresFor.",
                    exception.Message);
            }

            var delay = TransientFailures.Backoff(_attempt, TimeSpan.FromSeconds(5));
            try
            {
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }

            return !cancellationToken.IsCancellationRequested;
        }
    }
}
