using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using TrustChain.Telemetry;

namespace TrustChain.Demo.Hosting;

public static class TrustChainOtlpExtensions
{
    /// <summary>The standard variable that switches the export on; the exporter reads it and its siblings itself.</summary>
    public const string EndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>
    /// Exports TrustChain's traces, metrics and logs (and ASP.NET Core's, in the API) over OTLP when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set in <paramref name="configuration"/> (environment variables included);
    /// does nothing otherwise, so that a node without a collector pays nothing. The other standard variables
    /// (<c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, <c>OTEL_EXPORTER_OTLP_HEADERS</c>, <c>OTEL_SERVICE_NAME</c>, ...) apply as usual.
    /// </summary>
    /// <returns>Whether the export was set up.</returns>
    public static bool AddTrustChainOtlpExport(this IServiceCollection services, IConfiguration configuration, string serviceName)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        if (string.IsNullOrWhiteSpace(configuration[EndpointVariable]))
        {
            return false;
        }

        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName))
            .WithTracing(t => t.AddSource(TrustChainTelemetry.Name, "Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application", "Microsoft.AspNetCore"))
            .WithMetrics(m => m.AddMeter(TrustChainTelemetry.Name, "Microsoft.Orleans", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel"))
            .WithLogging()
            .UseOtlpExporter();
        return true;
    }
}
