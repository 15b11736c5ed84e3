using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using OrleansTasks.Storage.Postgres;
using OrleansTasks.Tests.Infrastructure;

namespace OrleansTasks.Tests.Storage;

/// <summary>A silo pointed at a database that does not exist creates it when its user may, and otherwise says what to run.</summary>
public sealed class DatabaseCreationTests
{
    private static readonly string? s_server = Environment.GetEnvironmentVariable("ORLEANSTASKS_TEST_POSTGRES");

    [Fact]
    public async Task EnsureExists_MissingDatabase_IsCreated_AndASecondCallChangesNothing()
    {
        PostgresDatabase.SkipUnlessAvailable();
        var name = "ot_new_" + Guid.NewGuid().ToString("N")[..10];
        var connectionString = new NpgsqlConnectionStringBuilder(s_server) { Database = name }.ConnectionString;
        try
        {
            await DatabaseCreator.EnsureExistsAsync(connectionString, NullLogger.Instance, CancellationToken.None);
            await DatabaseCreator.EnsureExistsAsync(connectionString, NullLogger.Instance, CancellationToken.None);

            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            Assert.Equal(name, connection.Database);
        }
        finally
        {
            await ExecuteAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        }
    }

    [Fact]
    public async Task EnsureExists_MissingDatabase_UserMayNotCreate_SaysWhatToRun()
    {
        PostgresDatabase.SkipUnlessAvailable();
        var role = "ot_role_" + Guid.NewGuid().ToString("N")[..10];
        var name = "ot_missing_" + Guid.NewGuid().ToString("N")[..10];
        await ExecuteAsync($"CREATE ROLE {role} LOGIN NOCREATEDB");
        try
        {
            var connectionString = new NpgsqlConnectionStringBuilder(s_server) { Database = name, Username = role }.ConnectionString;

            var error = await Assert.ThrowsAsync<InvalidConfigurationException>(() => DatabaseCreator.EnsureExistsAsync(connectionString, NullLogger.Instance, CancellationToken.None));

            Assert.Contains($"\"{name}\" does not exist", error.Message, StringComparison.Ordinal);
            Assert.Contains($"createdb -h 127.0.0.1", error.Message, StringComparison.Ordinal);
            Assert.Contains(name, error.Message.Split("createdb")[1], StringComparison.Ordinal);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync($"DROP ROLE IF EXISTS {role}");
        }
    }

    private static async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(s_server);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
