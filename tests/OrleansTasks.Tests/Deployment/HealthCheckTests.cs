using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using OrleansTasks.Health;
using OrleansTasks.Hosting;
using OrleansTasks.Tests.Infrastructure;

namespace OrleansTasks.Tests.Deployment;

/// <summary>
/// The readiness check of the database on its own: ready while PostgreSQL answers, not ready (saying why) when it
/// does not. The silo's other checks are probed on real silo processes (<see cref="RollingUpdateTests"/>).
/// </summary>
[Trait("Category", "Postgres")]
public sealed class HealthCheckTests
{
    [Fact]
    public async Task Database_AnsweringIsReady()
    {
        await using var database = await PostgresDatabase.CreateAsync();
        var report = await CheckDatabaseAsync(database.ConnectionString);
        Assert.Equal(HealthStatus.Healthy, report.Status);
    }

    [Fact]
    public async Task Database_NotAnsweringIsNotReady_AndSaysWhy()
    {
        var report = await CheckDatabaseAsync($"Host=127.0.0.1;Port={SiloProcess.FreePort()};Username=nobody;Timeout=2");
        Assert.Equal(HealthStatus.Unhealthy, report.Status);
        Assert.Contains("the database did not answer", report.Entries["database"].Description, StringComparison.Ordinal);
    }

    private static async Task<HealthReport> CheckDatabaseAsync(string connectionString)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton(new RunStoreDataSource(NpgsqlDataSource.Create(connectionString), connectionString));
        SiloHealthChecks.Add(services);
        await using var provider = services.BuildServiceProvider();
        return await provider.GetRequiredService<HealthCheckService>().CheckHealthAsync(c => c.Name == "database", TestContext.Current.CancellationToken);
    }
}
