using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansTasks;
using OrleansTasks.Hosting;
using OrleansTasks.TestTasks;

// A silo process for the multi-process tests: the test tasks, configured entirely from environment variables
// (ConnectionStrings__OrleansTasks, Orleans__SiloPort, …). Prints "READY" once the silo has joined the cluster.
// TestSilo__DeclaredCron, when set, also registers a scheduled task that declares that pattern in code.
var builder = Host.CreateApplicationBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Logging.AddFilter("OrleansTasks", LogLevel.Information);
DeclaredScheduleTask.Pattern = builder.Configuration["TestSilo:DeclaredCron"];
builder.UseOrleans(silo => silo
    .UseOrleansTasksConfiguration(builder.Configuration)
    .AddOrleansTasks(tasks =>
    {
        tasks.AddTasksFromAssembly(typeof(EchoTask).Assembly).AddQueue(TestQueues.Rated);
        if (DeclaredScheduleTask.Pattern is not null)
        {
            tasks.AddTask<DeclaredScheduleTask>();
        }
    }));

var host = builder.Build();
host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() => Console.WriteLine("READY"));
await host.RunAsync();

/// <summary>A scheduled task whose declarative schedule is the pattern the test gave; not registered at all without one.</summary>
internal sealed class DeclaredScheduleTask : ScheduledTask<string>
{
    public static string? Pattern { get; set; }

    public override string Id => "declared-schedule";

    public override CronSchedule? Cron => Pattern is { } pattern ? new CronSchedule(pattern) { Timezone = "Europe/London" } : null;

    public override Task<string> RunAsync(ScheduledPayload payload, TaskContext context, CancellationToken cancellationToken) =>
        Task.FromResult(payload.ScheduleId);
}
