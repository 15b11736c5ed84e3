using Microsoft.Extensions.Hosting;

namespace OrleansTasks.Hosting;

/// <summary>Runs an OrleansTasks host so that a configuration mistake ends it with one clear line instead of a crash.</summary>
public static class HostRunExtensions
{
    /// <summary>
    /// Runs the host until it stops, as <c>RunAsync</c> does. When start-up finds a setting it cannot work with (an
    /// <see cref="InvalidConfigurationException"/>: a bad task option, a database it may not create), the host ends with
    /// one line on standard error saying what to change, and exit code 1, instead of an unhandled exception.
    /// </summary>
    /// <param name="host">The built host.</param>
    /// <param name="cancellationToken">Stops the host.</param>
    /// <returns>The process exit code: 0 after a normal stop, 1 for a configuration mistake.</returns>
    public static async Task<int> RunOrleansTasksAsync(this IHost host, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        try
        {
            await host.RunAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }
        catch (Exception exception) when (ConfigurationMistake(exception) is { } mistake)
        {
            await Console.Error.WriteLineAsync($"OrleansTasks cannot start: {mistake.Message}").ConfigureAwait(false);
            return 1;
        }
    }

    private static InvalidConfigurationException? ConfigurationMistake(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is InvalidConfigurationException mistake)
            {
                return mistake;
            }

            if (exception is AggregateException { InnerExceptions: [var single] })
            {
                return ConfigurationMistake(single);
            }
        }

        return null;
    }
}
