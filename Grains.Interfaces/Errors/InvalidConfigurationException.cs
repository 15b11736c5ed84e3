namespace OrleansTasks;

/// <summary>
/// A setting is not valid: a task's retry policy, queue or other option, a shared queue, a task registration, or the
/// silo's <c>OrleansTasks</c> configuration. Thrown where the setting is made or, for tasks, when the silo starts; the
/// message names the task or section and the setting, and says what would be allowed.
/// </summary>
[GenerateSerializer, Alias("ot.InvalidConfigurationException")]
public sealed class InvalidConfigurationException : OrleansTasksException
{
    /// <inheritdoc/>
    public override string Code => OrleansTasksErrorCodes.InvalidConfiguration;

    /// <summary>Creates the exception.</summary>
    public InvalidConfigurationException(string message)
        : base(message)
    {
    }

    /// <summary>The type and message only: the mistake is in a setting, and where the code noticed it says nothing more.</summary>
    public override string ToString() => $"{GetType().FullName}: {Message}";
}
