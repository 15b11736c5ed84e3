using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;
using OrleansTasks.Draining;
using OrleansTasks.Hosting;

namespace OrleansTasks.Health;

/// <summary>
/// What a silo's probes ask (the web host maps them; <c>MapOrleansTasksHealthChecks</c>). Liveness is local only and
/// has no checks: a process that answers is alive, whatever the cluster or the database do, so a slow database never
/// gets pods restarted. Readiness (<see cref="HealthTags.Ready"/>) is true only while the silo is active in the
/// cluster, the database answers, and it is not draining. Start-up (<see cref="HealthTags.Startup"/>) is true once the
/// silo has joined.
/// </summary>
internal static class SiloHealthChecks
{
    public static void Add(IServiceCollection services) =>
        services.AddHealthChecks()
            .AddCheck<SiloActiveCheck>("silo", tags: [HealthTags.Ready, HealthTags.Startup])
            .AddCheck<DatabaseCheck>("database", tags: [HealthTags.Ready])
            .AddCheck<NotDrainingCheck>("draining", tags: [HealthTags.Ready]);

    /// <summary>Healthy while this silo is active in the cluster's membership.</summary>
    private sealed class SiloActiveCheck(IClusterMembershipService membership, ILocalSiloDetails silo) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var status = membership.CurrentSnapshot.Members.TryGetValue(silo.SiloAddress, out var member) ? member.Status : SiloStatus.None;
            return Task.FromResult(status == SiloStatus.Active
                ? HealthCheckResult.Healthy($"silo {silo.SiloAddress} is active")
                : HealthCheckResult.Unhealthy($"silo {silo.SiloAddress} is {status}, not active in the cluster"));
        }
    }

    /// <summary>Healthy while PostgreSQL answers a query within a few seconds; always in development mode (no database).</summary>
    private sealed class DatabaseCheck(IServiceProvider services) : IHealthCheck
    {
        private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(3);

        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            if (services.GetService<RunStoreDataSource>() is not { } database)
            {
                return HealthCheckResult.Healthy("development mode: no database");
            }

            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(s_timeout);
            try
            {
                await using var command = database.DataSource.CreateCommand("SELECT 1");
                await command.ExecuteScalarAsync(limit.Token).ConfigureAwait(false);
                return HealthCheckResult.Healthy("the database answers");
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return HealthCheckResult.Unhealthy($"the database did not answer within {s_timeout.TotalSeconds:0} s: {exception.Message}");
            }
        }
    }

    /// <summary>Unhealthy from the moment the silo began to stop.</summary>
    private sealed class NotDrainingCheck(SiloDrain drain) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(drain.IsDraining ? HealthCheckResult.Unhealthy("the silo is draining: it is stopping") : HealthCheckResult.Healthy("not draining"));
    }
}
