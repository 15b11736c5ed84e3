using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansTasks.Hosting;
using OrleansTasks.TestTasks;

// A silo process for the multi-process tests: the test tasks, configured entirely from environment variables
// (ConnectionStrings__OrleansTasks, Orleans__SiloPort, …). Prints "READY" once the silo has joined the cluster.
var builder = Host.CreateApplicationBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Logging.AddFilter("OrleansTasks", LogLevel.Information);
builder.UseOrleans(silo => silo
    .UseOrleansTasksConfiguration(builder.Configuration)
    .AddOrleansTasks(tasks => tasks.AddTasksFromAssembly(typeof(EchoTask).Assembly).AddQueue(TestQueues.Rated)));

var host = builder.Build();
host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() => Console.WriteLine("READY"));
await host.RunAsync();
