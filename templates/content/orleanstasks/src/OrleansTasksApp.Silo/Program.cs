using OrleansTasks.Hosting;
using OrleansTasksApp.Tasks;

// An OrleansTasks silo, configured from appsettings.json and environment variables (Section__Key):
// without ConnectionStrings:OrleansTasks it runs in development mode (in memory); with it, on PostgreSQL.
var builder = Host.CreateApplicationBuilder(args);
builder.AddOrleansTasksSilo(tasks => tasks.AddTasksFromAssembly(typeof(SendReportTask).Assembly));
return await builder.Build().RunOrleansTasksAsync();  // a configuration mistake: one line and exit code 1
