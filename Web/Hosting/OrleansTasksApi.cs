using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OrleansTasks.Web.Auth;
using OrleansTasks.Web.Errors;
using OrleansTasks.Web.Runs;
using OrleansTasks.Web.Tasks;
using Scalar.AspNetCore;

namespace OrleansTasks.Web.Hosting;

/// <summary>
/// The HTTP API in two calls: <see cref="AddOrleansTasksApi"/> on the host's services and <see cref="MapOrleansTasksApi"/>
/// on the app. The API is Trigger.dev's REST API, so Trigger.dev's official SDK (and any HTTP client) can trigger and
/// follow runs on the silo. It needs an <see cref="ITaskClient"/> (a silo's co-hosted client, or an external one).
/// </summary>
public static partial class OrleansTasksApi
{
    /// <summary>
    /// Registers the API's services, with its access settings from <c>OrleansTasks:Api</c> (see <see cref="ApiOptions"/>).
    /// Development mode (no <c>ConnectionStrings:OrleansTasks</c>) with no secret key leaves the API open.
    /// </summary>
    public static IHostApplicationBuilder AddOrleansTasksApi(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var developmentMode = string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString("OrleansTasks"));
        builder.Services.AddOptions<ApiOptions>()
            .Configure(o =>
            {
                foreach (var key in builder.Configuration.GetSection(ApiOptions.SectionName + ":SecretKeys").Get<string[]>() ?? [])
                {
                    o.SecretKeys.Add(key);
                }

                builder.Configuration.GetSection(ApiOptions.SectionName + ":RateLimit").Bind(o.RateLimit);
                o.DevelopmentMode = developmentMode;
            })
            .Validate(o => !o.RateLimit.Enabled || (o.RateLimit.Burst >= 1 && o.RateLimit.Refill >= 1 && o.RateLimit.RefillPeriod > TimeSpan.Zero),
                $"{ApiOptions.SectionName}:RateLimit: Burst and Refill must be at least 1 and RefillPeriod positive (or set Enabled to false).")
            .Validate(o => o.SecretKeys.All(k => k.Length >= ApiOptions.MinKeyLength && k.Trim() == k),
                $"{ApiOptions.SectionName}:SecretKeys: each key must be at least {ApiOptions.MinKeyLength} characters, with no surrounding spaces (it also signs public access tokens).")
            .ValidateOnStart();
        builder.Services.TryAddSingletonTimeProvider();
        builder.Services.AddSingleton<ApiAccess>();
        builder.Services.AddSingleton<ApiRateLimit>();
        builder.Services.AddSingleton<ApiErrors>();
        builder.Services.AddSingleton<TokenIssuer>();
        builder.Services.AddSingleton(sp => new PublicAccessTokens(sp.GetRequiredService<TokenIssuer>()));
        builder.Services.AddSingleton<UrlSigner>();
        builder.Services.AddSingleton<Waitpoints.CallbackUrls>();
        builder.Services.AddSingleton<Realtime.ShapeSessions>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Realtime.ShapeSessions>());
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi(DocumentName, openApi =>
        {
            openApi.ShouldInclude = description => description.GroupName == DocumentName;
            openApi.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "OrleansTasks API";
                document.Info.Description = "Trigger.dev's REST API, served by an OrleansTasks silo. Send a secret key or a public access token as 'Authorization: Bearer'.";
                return Task.CompletedTask;
            });
        });
        builder.Services.AddHostedService<ApiStartupNotice>();
        return builder;
    }

    /// <summary>The OpenAPI document's name: it is served at <c>/api/openapi/orleanstasks.json</c>.</summary>
    public const string DocumentName = "orleanstasks";

    /// <summary>
    /// Maps every API route, the OpenAPI document generated from them (<c>/api/openapi/orleanstasks.json</c>) and an
    /// interactive reference page (<c>/api/reference</c>, Scalar). Every API route needs a secret key or a public access
    /// token unless the API is open; the document and the page describe the API and serve no data, so they need none.
    /// </summary>
    public static RouteGroupBuilder MapOrleansTasksApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapOpenApi("/api/openapi/{documentName}.json");
        endpoints.MapScalarApiReference("/api/reference", reference => reference
            .WithTitle("OrleansTasks API")
            .WithOpenApiRoutePattern("/api/openapi/{documentName}.json")
            .AddDocument(DocumentName));
        var api = endpoints.MapGroup("")
            .AddEndpointFilter<ApiErrors>()
            .AddEndpointFilter<ApiAccess>()
            .WithGroupName(DocumentName)
            .WithTags("OrleansTasks API");
        TriggerEndpoints.Map(api);
        RunEndpoints.Map(api);
        AuthEndpoints.Map(api);
        Schedules.ScheduleEndpoints.Map(api);
        Queues.QueueEndpoints.Map(api);
        Waitpoints.WaitpointEndpoints.Map(api);
        Batches.BatchEndpoints.Map(api);
        Realtime.RealtimeEndpoints.Map(api);
        Realtime.SseEndpoints.Map(api);
        Uploads.PacketEndpoints.Map(api);
        return api;
    }

    private static void TryAddSingletonTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }
    }

    /// <summary>Says at start-up how the API is guarded, and loudly when it is not.</summary>
    private sealed partial class ApiStartupNotice(IOptions<ApiOptions> options, ILogger<ApiStartupNotice> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            var api = options.Value;
            if (api.IsOpen)
            {
                LogOpen(ApiOptions.SectionName);
            }
            else if (api.SecretKeys.Count == 0)
            {
                LogNoKeys(ApiOptions.SectionName);
            }
            else
            {
                LogGuarded(api.SecretKeys.Count);
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(Level = LogLevel.Warning, Message = "THE HTTP API IS OPEN: development mode and no secret key, so anyone who can reach this port can trigger, read and cancel runs. Set {Section}:SecretKeys to guard it.")]
        private partial void LogOpen(string section);

        [LoggerMessage(Level = LogLevel.Error, Message = "The HTTP API refuses every request: no secret key is configured. Set {Section}:SecretKeys.")]
        private partial void LogNoKeys(string section);

        [LoggerMessage(Level = LogLevel.Information, Message = "The HTTP API takes {Count} secret key(s) and the public access tokens they sign.")]
        private partial void LogGuarded(int count);
    }
}
