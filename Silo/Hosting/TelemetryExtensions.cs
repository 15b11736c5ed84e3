using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orleans.Diagnostics;

namespace OrleansTasks.Silo.Hosting;

/// <summary>Sends the silo's traces to an OpenTelemetry collector, when one is configured.</summary>
internal static class TelemetryExtensions
{
    /// <summary>The configuration key for the collector's OTLP endpoint, beside the standard environment variable.</summary>
    public const string EndpointKey = "OrleansTasks:Otlp:Endpoint";

    private const string StandardEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";
    private const string ServiceNameKey = "OTEL_SERVICE_NAME";
    private const string DefaultServiceName = "orleans-tasks";

    /// <summary>
    /// Exports the runs' spans (the <c>OrleansTasks</c> source) and Orleans' grain-call spans over OTLP when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> or <c>OrleansTasks:Otlp:Endpoint</c> is set (the latter wins); adds nothing
    /// otherwise, so an unconfigured silo pays nothing for tracing. The service name is <c>OTEL_SERVICE_NAME</c>.
    /// Default: <c>orleans-tasks</c>. Safe to call twice.
    /// </summary>
    public static IHostApplicationBuilder AddOtlpTracing(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var configuration = builder.Configuration;
        var (key, endpoint) = NonEmpty(configuration[EndpointKey]) is { } own
            ? (EndpointKey, own)
            : (StandardEndpointKey, NonEmpty(configuration[StandardEndpointKey]));
        if (endpoint is null || builder.Services.Any(d => d.ServiceType == typeof(OtlpTracingMarker)))
        {
            return builder;
        }

        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri))
        {
            throw new InvalidOperationException(
                $"{key} is '{endpoint}', which is not an absolute URI; set it to the collector's OTLP endpoint, such as http://localhost:4317.");
        }

        builder.Services.AddSingleton<OtlpTracingMarker>();
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(NonEmpty(configuration[ServiceNameKey]) ?? DefaultServiceName))
            .WithTracing(tracing => tracing
                .AddSource(
                    OrleansTasksTelemetry.ActivitySourceName,
                    ActivitySources.ApplicationGrainActivitySourceName,
                    ActivitySources.RuntimeActivitySourceName)
                .AddOtlpExporter(otlp =>
                {
                    // The exporter reads the standard variable itself, and adds the signal's path for http/protobuf.
                    if (key == EndpointKey)
                    {
                        otlp.Endpoint = uri;
                    }
                }));
        return builder;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    /// <summary>Marks that the exporter is registered.</summary>
    private sealed class OtlpTracingMarker;
}
