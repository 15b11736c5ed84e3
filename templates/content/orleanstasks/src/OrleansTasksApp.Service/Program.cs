using OrleansTasks.Hosting;
using OrleansTasksApp.Service;

// Connects with the same configuration keys as the silo: start the silo first (dotnet run --project src/OrleansTasksApp.Silo).
var builder = Host.CreateApplicationBuilder(args);
builder.AddOrleansTasksClient();
builder.Services.AddHostedService<ReportRequester>();
return await builder.Build().RunOrleansTasksAsync();
