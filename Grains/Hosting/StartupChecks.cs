using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansTasks.Registry;

namespace OrleansTasks.Hosting;

internal sealed class StartupChecksOptions
{
    public bool DevelopmentStorage { get; set; }
}

/// <summary>
/// Runs before the silo joins the cluster: builds the task registry (so a duplicate task id or a bad option stops
/// start-up with a message naming the tasks), and in development mode says that nothing will survive a restart.
/// </summary>
internal sealed partial class StartupChecks(
    IServiceProvider services,
    IOptions<StartupChecksOptions> options,
    ILogger<StartupChecks> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(StartupChecks), ServiceLifecycleStage.First, _ =>
        {
            // Resolved here, not injected, so a bad registration fails this start-up stage with its own message.
            services.GetRequiredService<TaskRegistry>();
            if (options.Value.DevelopmentStorage)
            {
                LogDevelopmentMode();
            }

            return Task.CompletedTask;
        });
}
