using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansTasks.Storage.Postgres;
using OrleansTasks.Tests.Infrastructure;

namespace OrleansTasks.Tests.Storage;

[Trait("Category", "Postgres")]
public sealed class MigrationTests : IClassFixture<PostgresDatabase>
{
    private readonly PostgresDatabase _database;

    public MigrationTests(PostgresDatabase database)
    {
        _database = database;
    }

    [Fact]
    public void Migrations_Embedded_EveryOneInOrder()
    {
        string[] expected =
        [
            "0001_orleans_query", "0002_orleans_clustering", "0003_orleans_persistence", "0004_orleans_reminders",
            "0005_runs", "0006_waitpoint_tokens", "0007_runs_queues", "0008_runs_listing", "0009_run_logs", "0010_runs_resume_requested", "0011_runs_root", "0012_run_streams", "0013_schedules",
        ];

        Assert.Equal(expected, PostgresMigrator.Migrations.Select(m => m.Name));
    }

    [Fact]
    public async Task MigrateAsync_FourSilosAtOnceThenAgain_AppliesEachMigrationOnce()
    {
        PostgresDatabase.SkipUnlessAvailable();
        await using var dataSource = NpgsqlDataSource.Create(_database.ConnectionString);
        var migrator = new PostgresMigrator(dataSource, NullLogger<PostgresMigrator>.Instance);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => migrator.MigrateAsync(CancellationToken.None))));
        await migrator.MigrateAsync(CancellationToken.None);

        await using var command = dataSource.CreateCommand("SELECT count(*), count(DISTINCT version) FROM orleanstasks_migrations");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        Assert.Equal(PostgresMigrator.Migrations.Count, reader.GetInt64(0));
        Assert.Equal(PostgresMigrator.Migrations.Count, reader.GetInt64(1));
    }

    [Fact]
    public async Task MigrateAsync_CreatesEveryQueryKeyTheOrleansProvidersRead()
    {
        PostgresDatabase.SkipUnlessAvailable();
        await using var dataSource = NpgsqlDataSource.Create(_database.ConnectionString);
        await new PostgresMigrator(dataSource, NullLogger<PostgresMigrator>.Instance).MigrateAsync(CancellationToken.None);

        await using var command = dataSource.CreateCommand("SELECT QueryKey FROM OrleansQuery");
        var keys = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            keys.Add(reader.GetString(0));
        }

        string[] required =
        [
            "UpdateIAmAlivetimeKey", "InsertMembershipVersionKey", "InsertMembershipKey", "UpdateMembershipKey",
            "MembershipReadRowKey", "MembershipReadAllKey", "DeleteMembershipTableEntriesKey", "GatewaysQueryKey",
            "CleanupDefunctSiloEntriesKey", "WriteToStorageKey", "ReadFromStorageKey", "ClearStorageKey", "DeleteStorageKey",
            "UpsertReminderRowKey", "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key", "ReadRangeRows2Key",
            "DeleteReminderRowKey", "DeleteReminderRowsKey",
        ];
        Assert.Equal(required.Order(), keys.Order());
    }
}
