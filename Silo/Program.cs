using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using OrleansTasks.Hosting;
using OrleansTasks.Silo.Hosting;
using OrleansTasks.Silo.SampleTasks;
using OrleansTasks.Web.Hosting;

// An OrleansTasks silo and its HTTP API (Trigger.dev's REST API) in one web host: the sample tasks, configured from
// appsettings.json and environment variables. Without ConnectionStrings:OrleansTasks it runs in development mode (in
// memory); with it, on PostgreSQL. The API listens on Urls (http://localhost:5080 unless told otherwise).
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory, // appsettings.json beside the binary, wherever it is started from
});

builder.AddOrleansTasksSilo(tasks => tasks.AddTasksFromAssembly(typeof(HelloWorldTask).Assembly));
builder.AddOrleansTasksWeb(); // the HTTP API and the dashboard

// Traces to an OpenTelemetry collector when OTEL_EXPORTER_OTLP_ENDPOINT or OrleansTasks:Otlp:Endpoint is set.
builder.AddOtlpTracing();

// A co-hosted client: the API triggers and reads runs through it, and the silo can trigger the samples itself.
builder.Services.AddOrleansTasksClient();
builder.Services.AddHostedService<SampleRunsOnStart>();

var app = builder.Build();
app.MapOrleansTasksWeb();
return await app.RunOrleansTasksAsync();
