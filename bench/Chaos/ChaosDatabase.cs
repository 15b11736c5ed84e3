using Npgsql;

namespace OrleansTasks.Bench.Chaos;

/// <summary>
/// A fresh database for one chaos run, <c>chaos_&lt;random&gt;</c> on the server the user named, holding the engine's
/// tables (the silos migrate it) and the side-effect table; dropped on dispose, whatever happened.
/// </summary>
internal sealed class ChaosDatabase : IAsyncDisposable
{
    private readonly string _serverConnectionString;
    private bool _dropped;

    private ChaosDatabase(string serverConnectionString, string name)
    {
        _serverConnectionString = serverConnectionString;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = name }.ConnectionString;
    }

    public string Name { get; }

    /// <summary>The connection string of this database (the server's, with its name).</summary>
    public string ConnectionString { get; }

    /// <summary>Creates the database and its side-effect table.</summary>
    /// <exception cref="ArgumentException">The connection string is not one Npgsql understands, or its server cannot be reached.</exception>
    public static async Task<ChaosDatabase> CreateAsync(string serverConnectionString, CancellationToken cancellationToken)
    {
        try
        {
            _ = new NpgsqlConnectionStringBuilder(serverConnectionString);
        }
        catch (ArgumentException exception)
        {
            throw new ArgumentException($"--postgres is not a valid connection string: {exception.Message}", exception);
        }

        var database = new ChaosDatabase(serverConnectionString, "chaos_" + Guid.NewGuid().ToString("N")[..12]);
        await using (var server = new NpgsqlConnection(serverConnectionString))
        {
            try
            {
                await server.OpenAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (NpgsqlException exception)
            {
                throw new ArgumentException($"Cannot connect to the PostgreSQL server of --postgres: {exception.Message}", exception);
            }

            await using var create = new NpgsqlCommand($"CREATE DATABASE {database.Name}", server);
            await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            await using var connection = new NpgsqlConnection(database.ConnectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var table = new NpgsqlCommand(ChaosEffects.CreateTableSql, connection);
            await table.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return database;
        }
        catch
        {
            await database.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Drops the database, closing whatever connections are still open to it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_dropped)
        {
            return;
        }

        _dropped = true;
        NpgsqlConnection.ClearAllPools();
        await using var server = new NpgsqlConnection(_serverConnectionString);
        await server.OpenAsync().ConfigureAwait(false);
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", server);
        await drop.ExecuteNonQueryAsync().ConfigureAwait(false);
    }
}
