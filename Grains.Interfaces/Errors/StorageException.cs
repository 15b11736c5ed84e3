namespace OrleansTasks;

/// <summary>
/// The database failed an operation. Nothing half-done is left behind: a write either committed or did not.
/// <see cref="IsTransient"/> says whether sending the call again may help (the database was unreachable, restarting,
/// or the transaction lost a conflict), or not (a bug, a schema the silo does not expect). The provider's own
/// exception stays in the silo's log; its type name is in <see cref="ProviderError"/>.
/// </summary>
[GenerateSerializer, Alias("ot.StorageException")]
public sealed class StorageException : OrleansTasksException
{
    /// <inheritdoc/>
    public override string Code => OrleansTasksErrorCodes.Storage;

    /// <summary>Creates the exception.</summary>
    public StorageException(string message, bool isTransient, string providerError)
        : base(message)
    {
        IsTransient = isTransient;
        ProviderError = providerError;
    }

    /// <summary>Whether a retry may succeed.</summary>
    [Id(0)]
    public bool IsTransient { get; init; }

    /// <summary>The provider exception's type and message, e.g. <c>Npgsql.NpgsqlException: …</c>.</summary>
    [Id(1)]
    public string ProviderError { get; init; }
}
