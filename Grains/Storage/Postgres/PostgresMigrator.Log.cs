using Microsoft.Extensions.Logging;

namespace OrleansTasks.Storage.Postgres;

internal sealed partial class PostgresMigrator
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Applied database migration {Version} ({Name}).")]
    private partial void LogApplied(int version, string name);
}
