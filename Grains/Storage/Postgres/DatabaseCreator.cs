using Microsoft.Extensions.Logging;
using Npgsql;

namespace OrleansTasks.Storage.Postgres;

/// <summary>
/// Makes sure the database of the connection string exists before anything uses it: a missing one is created (through
/// the server's <c>postgres</c> database, with the same credentials) when the user may; otherwise start-up stops with
/// one <see cref="InvalidConfigurationException"/> that says what to run.
/// </summary>
internal static partial class DatabaseCreator
{
    private const string UndefinedDatabase = "3D000";

    public static async Task EnsureExistsAsync(string connectionString, ILogger logger, CancellationToken cancellationToken)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false };
        try
        {
            await using var probe = new NpgsqlConnection(target.ConnectionString);
            await probe.OpenAsync(cancellationToken).ConfigureAwait(false);
            return;
        }
        catch (PostgresException exception) when (exception.SqlState == UndefinedDatabase)
        {
            // Missing: create it below.
        }

        var database = target.Database ?? throw new InvalidConfigurationException("ConnectionStrings:OrleansTasks names no database (Database=…).");
        var maintenance = new NpgsqlConnectionStringBuilder(target.ConnectionString) { Database = "postgres" };
        try
        {
            await using var connection = new NpgsqlConnection(maintenance.ConnectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand($"CREATE DATABASE {Quote(database)}", connection);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            LogCreated(logger, database, target.Host, target.Port);
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            // Another silo starting at the same moment created it first.
        }
        catch (PostgresException exception)
        {
            throw new InvalidConfigurationException(
                $"The database \"{database}\" does not exist on {target.Host}:{target.Port}, and user \"{target.Username}\" could not create it "
                + $"({exception.SqlState}: {exception.MessageText}). Create it, then start again: "
                + $"createdb -h {target.Host} -p {target.Port} -U <a user who may> {database}");
        }
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the database \"{Database}\" on {Host}:{Port}, which did not exist.")]
    private static partial void LogCreated(ILogger logger, string database, string? host, int port);
}
