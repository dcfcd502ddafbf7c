using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using TrustChain.Demo.Hosting;

namespace TrustChain.Tests.Telemetry;

/// <summary>The API and the silo export over OTLP only when the standard endpoint variable says where to.</summary>
public sealed class OtlpExportTests
{
    [Fact]
    public void Without_an_endpoint_nothing_is_registered()
    {
        var services = new ServiceCollection();

        Assert.False(services.AddTrustChainOtlpExport(Configuration(null), "trustchain-test"));

        using var provider = services.BuildServiceProvider();
        Assert.Null(provider.GetService<TracerProvider>());
        Assert.Null(provider.GetService<MeterProvider>());
    }

    [Fact]
    public void With_an_endpoint_traces_and_metrics_are_exported()
    {
        var services = new ServiceCollection();
        services.AddLogging();

        Assert.True(services.AddTrustChainOtlpExport(Configuration("http://127.0.0.1:4317"), "trustchain-test"));

        using var provider = services.BuildServiceProvider();
        Assert.NotNull(provider.GetService<TracerProvider>());
        Assert.NotNull(provider.GetService<MeterProvider>());
    }

    private static IConfiguration Configuration(string? endpoint) => new ConfigurationBuilder()
        .AddInMemoryCollection(new Dictionary<string, string?> { [TrustChainOtlpExtensions.EndpointVariable] = endpoint })
        .Build();
}
