using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansTasks.Hosting;
using OrleansTasks.Tests.Infrastructure;
using OrleansTasks.TestTasks;
using OrleansTasks.Web.Hosting;

namespace OrleansTasks.Tests.Api;

/// <summary>
/// A silo with its HTTP API, made as the bundled silo makes it (a web host, <c>AddOrleansTasksSilo</c>,
/// <c>AddOrleansTasksApi</c>, <c>MapOrleansTasksApi</c>), in development mode with a secret key, on a free port.
/// </summary>
public class ApiFixture : IAsyncLifetime
{
    private WebApplication? _app;

    /// <summary>The secret key the API takes.</summary>
    public string SecretKey { get; } = "tr_dev_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(20)).ToLowerInvariant();

    /// <summary>Where the API listens, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string BaseUrl { get; private set; } = "";

    public WebApplication App => _app ?? throw new InvalidOperationException("The API is not started.");

    public ITaskClient Tasks => App.Services.GetRequiredService<ITaskClient>();

    /// <summary>Settings on top of the fixture's own.</summary>
    protected virtual IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>();

    public async ValueTask InitializeAsync()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Development });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Urls"] = "http://127.0.0.1:0",
            ["Orleans:SiloPort"] = SiloProcess.FreePort().ToString(CultureInfo.InvariantCulture),
            ["Orleans:GatewayPort"] = SiloProcess.FreePort().ToString(CultureInfo.InvariantCulture),
            ["OrleansTasks:Api:SecretKeys:0"] = SecretKey,
        });
        builder.Configuration.AddInMemoryCollection(Settings);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddOrleansTasksSilo(tasks => tasks.AddTasksFromAssembly(typeof(EchoTask).Assembly));
        builder.AddOrleansTasksApi();
        builder.Services.AddOrleansTasksClient();
        _app = builder.Build();
        _app.MapOrleansTasksApi();
        await _app.StartAsync();
        BaseUrl = _app.Urls.Single();
    }

    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        if (_app is not null)
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _app.StopAsync(limit.Token);
            await _app.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiFixture>
{
    public const string Name = "http api";
}

/// <summary>The API with a rate limit small enough to reach in a test: three requests, and no refill within it.</summary>
public sealed class RateLimitedApiFixture : ApiFixture
{
    protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>
    {
        ["OrleansTasks:Api:RateLimit:Burst"] = "3",
        ["OrleansTasks:Api:RateLimit:Refill"] = "1",
        ["OrleansTasks:Api:RateLimit:RefillPeriod"] = "01:00:00",
    };
}
