using Npgsql;

namespace OrleansTasks.Tests.Infrastructure;

/// <summary>
/// A fresh database on the test PostgreSQL server (ORLEANSTASKS_TEST_POSTGRES, set by test.sh), dropped afterwards.
/// Without a server the PostgreSQL tests are skipped, unless ORLEANSTASKS_REQUIRE_POSTGRES says they must run.
/// </summary>
public sealed class PostgresDatabase : IAsyncLifetime
{
    private static readonly string? s_server = Environment.GetEnvironmentVariable("ORLEANSTASKS_TEST_POSTGRES");
    private static readonly bool s_required = Environment.GetEnvironmentVariable("ORLEANSTASKS_REQUIRE_POSTGRES") == "1";
    private string? _connectionString;
    private readonly string _name = "ot_" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>The connection string of this fixture's own database; skips the test when there is no server.</summary>
    public string ConnectionString
    {
        get
        {
            if (s_server is null)
            {
                Assert.Fail("ORLEANSTASKS_TEST_POSTGRES is not set.");
            }

            return _connectionString ?? throw new InvalidOperationException("The database is not created.");
        }
    }

    /// <summary>A database of the caller's own, created now; skips the test when there is no server.</summary>
    public static async Task<PostgresDatabase> CreateAsync()
    {
        SkipUnlessAvailable();
        var database = new PostgresDatabase();
        await database.InitializeAsync();
        return database;
    }

    public static void SkipUnlessAvailable()
    {
        if (s_server is null)
        {
            if (s_required)
            {
                Assert.Fail("ORLEANSTASKS_REQUIRE_POSTGRES=1 but ORLEANSTASKS_TEST_POSTGRES is not set; run the tests with ./test.sh.");
            }

            Assert.Skip("No PostgreSQL: set ORLEANSTASKS_TEST_POSTGRES, or run ./test.sh, which starts one.");
        }
    }

    public async ValueTask InitializeAsync()
    {
        if (s_server is null)
        {
            return;
        }

        await using var connection = new NpgsqlConnection(s_server);
        await connection.OpenAsync();
        await using (var command = new NpgsqlCommand($"CREATE DATABASE {_name}", connection))
        {
            await command.ExecuteNonQueryAsync();
        }

        _connectionString = new NpgsqlConnectionStringBuilder(s_server) { Database = _name }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        if (_connectionString is null)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(s_server);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    public async Task<long> CountRunsAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM runs", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
