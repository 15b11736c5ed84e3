using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OrleansTasks.Hosting;
using OrleansTasks.Silo.Hosting;
using OrleansTasks.Silo.SampleTasks;

// An OrleansTasks silo: the sample tasks, configured from appsettings.json and environment variables.
// Without ConnectionStrings:OrleansTasks it runs in development mode (in memory); with it, on PostgreSQL.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory, // appsettings.json beside the binary, wherever it is started from
});

builder.AddOrleansTasksSilo(tasks => tasks.AddTasksFromAssembly(typeof(HelloWorldTask).Assembly));

// Traces to an OpenTelemetry collector when OTEL_EXPORTER_OTLP_ENDPOINT or OrleansTasks:Otlp:Endpoint is set.
builder.AddOtlpTracing();

// A co-hosted client, so the silo can trigger the samples itself when asked to.
builder.Services.AddOrleansTasksClient();
builder.Services.AddHostedService<SampleRunsOnStart>();

return await builder.Build().RunOrleansTasksAsync();
