using Microsoft.Extensions.Logging;

namespace OrleansTasks.Hosting;

internal sealed partial class StartupChecks
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "OrleansTasks is in development mode: runs, grain state and reminders are kept in memory and will not survive a restart. Set the connection string ConnectionStrings:OrleansTasks to keep them in PostgreSQL.")]
    private partial void LogDevelopmentMode();
}
