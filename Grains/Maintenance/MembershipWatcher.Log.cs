using Microsoft.Extensions.Logging;

namespace OrleansTasks.Maintenance;

internal sealed partial class MembershipWatcher
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not wake the run supervisor; its reminder and interval scans cover for it.")]
    private partial void LogPokeFailed(Exception exception);
}
