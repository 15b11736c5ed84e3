using System.Data.Common;
using Microsoft.Extensions.Logging;

namespace OrleansTasks.Storage;

/// <summary>
/// Turns a database failure that ends a grain call into <see cref="StorageException"/>, so no caller (a client, another
/// grain) ever sees a provider's exception type; the provider's exception is logged here in full.
/// </summary>
internal sealed partial class StorageFailureFilter(ILogger<StorageFailureFilter> logger) : IIncomingGrainCallFilter
{
    public Task Invoke(IIncomingGrainCallContext context)
    {
        var call = context.Invoke();
        return call.IsCompletedSuccessfully ? call : ObserveAsync(call, context);
    }

    private async Task ObserveAsync(Task call, IIncomingGrainCallContext context)
    {
        try
        {
            await call;
        }
        catch (DbException exception)
        {
            LogStorageFailed(exception, context.InterfaceMethod?.Name ?? "?", context.TargetId.ToString(), exception.IsTransient);
            throw new StorageException(
                exception.IsTransient
                    ? "The database could not be reached or refused the operation for now; sending the call again may succeed."
                    : "The database failed the operation; sending it again will not help. The silo's log has the details.",
                exception.IsTransient,
                $"{exception.GetType().FullName}: {exception.Message}");
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} on {Grain} failed in the database (transient: {Transient}).")]
    private partial void LogStorageFailed(Exception exception, string method, string grain, bool transient);
}
