namespace OrleansTasks.Tests.Errors;

/// <summary>Which failures of a grain call are the cluster's (sent again) rather than the callee's answer or the caller's cancel.</summary>
public sealed class TransientFailuresTests
{
    [Fact]
    public void OrleansGivingUpOnPlacement_IsTransient_ButTheCallersOwnCancelIsNot()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.True(TransientFailures.IsTransient(new OperationCanceledException("Message expired before placement could complete for grain run/x.")));
        Assert.False(TransientFailures.IsTransient(new OperationCanceledException(cancelled.Token)));
        Assert.True(TransientFailures.IsTransient(new StorageException("down", isTransient: true, "Npgsql.NpgsqlException: x")));
        Assert.False(TransientFailures.IsTransient(new StorageException("bad", isTransient: false, "Npgsql.NpgsqlException: x")));
        Assert.False(TransientFailures.IsTransient(new RunNotFoundException("run_x")));
    }
}
