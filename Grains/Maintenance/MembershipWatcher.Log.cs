using Microsoft.Extensions.Logging;

namespace OrleansTasks.Maintenance;

internal sealed partial class MembershipWatcher
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not wake the run supervisor; its reminder and interval scans cover for it.")]
    private partial void LogPokeFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not register this silo's machine presets; it registers again at the next membership change.")]
    private partial void LogRegisterFailed(Exception exception);
}
