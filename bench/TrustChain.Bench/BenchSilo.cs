using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TrustChain.Demo.Hosting;
using TrustChain.Hosting;

namespace TrustChain.Bench;

/// <summary>
/// An Orleans silo in this process, built the way a user would: a Generic Host, localhost clustering on free ports,
/// <c>AddTrustChain()</c> hosting the bench's worker grains, the chosen delivery. Logs errors only. Its dispatcher is
/// the silo's own <see cref="ITrustChainDispatcher"/>.
/// </summary>
internal sealed class BenchSilo : IAsyncDisposable
{
    private readonly IHost _host;

    private BenchSilo(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    public ITrustChainDispatcher Dispatcher => Services.GetRequiredService<ITrustChainDispatcher>();

    public IGrainFactory Grains => Services.GetRequiredService<IGrainFactory>();

    public static async Task<BenchSilo> StartAsync(
        BenchSettings settings,
        string nodeId,
        BenchDelivery? delivery = null,
        Action<TrustChainOptions>? options = null,
        Action<ISiloBuilder>? silo = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Error);
        builder.UseOrleans(s => s.AddBenchSilo(settings, nodeId, delivery ?? BenchDelivery.BroadcastChannel, options, silo));
        var host = builder.Build();
        await host.StartAsync();
        return new BenchSilo(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        if (_host is IAsyncDisposable asyncDisposable)
        {
            await asyncDisposable.DisposeAsync();
        }
        else
        {
            _host.Dispose();
        }
    }
}

internal static class BenchSiloBuilderExtensions
{
    /// <summary>A silo of its own cluster on two free loopback ports, with TrustChain, the bench workers and <paramref name="delivery"/>.</summary>
    public static ISiloBuilder AddBenchSilo(this ISiloBuilder silo, BenchSettings settings, string nodeId, BenchDelivery delivery, Action<TrustChainOptions>? options = null, Action<ISiloBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        silo.UseBenchClustering();
        silo.AddTrustChain(o =>
        {
            o.NodeId = nodeId;
            o.Workers = [.. BenchWorkers.Names];
            delivery.Configure(o);
            if (settings.InterestWindow is { } window)
            {
                o.InterestWindow = window;
            }

            options?.Invoke(o);
        });
        delivery.Configure(silo);
        configure?.Invoke(silo);
        return silo;
    }

    /// <summary>Localhost clustering, a cluster of its own on two free loopback ports.</summary>
    public static ISiloBuilder UseBenchClustering(this ISiloBuilder silo)
    {
        var (siloPort, gatewayPort) = LoopbackPorts.TakeSiloAndGateway();
        return silo.UseLocalhostClustering(siloPort, gatewayPort, primarySiloEndpoint: null, serviceId: "trustchain-bench", clusterId: $"bench-{Guid.NewGuid():N}");
    }
}
