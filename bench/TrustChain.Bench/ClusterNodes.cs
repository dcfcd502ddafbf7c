using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using TrustChain.Demo.Hosting;
using TrustChain.Hosting;

namespace TrustChain.Bench;

/// <summary>
/// The bench's cluster on one Redis, under a cluster and service id of the run's own: silo processes (this tool in
/// <c>cluster-silo</c> mode; in the smoke tests, silo hosts in this process) and this process joined as an Orleans
/// client (<c>UseOrleansClient</c>, <c>UseDemoClustering</c>, <c>AddTrustChain()</c>, as <c>src/Api</c> joins),
/// whose dispatcher and grain factory the scenarios call. Started once every silo is active and the client's view
/// of the cluster has them all.
/// </summary>
internal sealed class ClusterNodes : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);

    private readonly List<BenchChildProcess> _processes = [];
    private readonly List<IHost> _silos = [];
    private IHost? _client;

    private ClusterNodes(string serviceId) => ServiceId = serviceId;

    /// <summary>The cluster's id and service id: Redis keys of this run start with it.</summary>
    public string ServiceId { get; }

    public IServiceProvider Client => _client?.Services ?? throw new InvalidOperationException("The client is not started.");

    public ITrustChainDispatcher Dispatcher => Client.GetRequiredService<ITrustChainDispatcher>();

    public IGrainFactory Grains => Client.GetRequiredService<IGrainFactory>();

    public static async Task<ClusterNodes> StartAsync(BenchSettings settings, string redis, int silos)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var nodes = new ClusterNodes($"bench-{Guid.NewGuid():N}"[..18]);
        try
        {
            var arguments = Enumerable.Range(1, silos).Select(i => ClusterSilo.Arguments(settings, redis, nodes.ServiceId, i)).ToList();
            if (settings.SilosInProcess)
            {
                foreach (var silo in arguments)
                {
                    nodes._silos.Add(await ClusterSilo.StartAsync(silo));
                }
            }
            else
            {
                // Side by side: each joins the cluster in Redis on its own.
                nodes._processes.AddRange(arguments.Select((a, i) => BenchChildProcess.Start($"cluster silo {i + 1}", [ClusterSilo.Mode, .. a])));
                await Task.WhenAll(nodes._processes.Select(p => p.ReadyAsync(ClusterSilo.Ready, StartTimeout)));
            }

            nodes._client = await StartClientAsync(redis, nodes.ServiceId, silos);
            return nodes;
        }
        catch
        {
            await nodes.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.StopAsync();
            _client.Dispose();
        }

        foreach (var silo in _silos)
        {
            await silo.StopAsync();
            silo.Dispose();
        }

        await Task.WhenAll(_processes.Select(p => p.DisposeAsync().AsTask()));
    }

    private static async Task<IHost> StartClientAsync(string redis, string clusterId, int silos)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{DemoClustering.RedisConnectionName}"] = redis,
            ["Orleans:ClusterId"] = clusterId,
            ["Orleans:ServiceId"] = clusterId,
            ["TrustChain:NodeId"] = "bench-client",
        }.Concat(ClusterScenario.SigningSettings));
        builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Error);
        builder.UseOrleansClient(client => client
            .UseDemoClustering(builder.Configuration)
            .AddTrustChain());
        var host = builder.Build();
        try
        {
            using var timeout = new CancellationTokenSource(StartTimeout);
            await host.StartAsync(timeout.Token);

            // The client's manifest comes from its gateways: once it lists every silo, so does a gateway's view.
            var manifests = host.Services.GetRequiredService<IClusterManifestProvider>();
            if (manifests.Current.Silos.Count < silos)
            {
                await foreach (var manifest in manifests.Updates.WithCancellation(timeout.Token))
                {
                    if (manifest.Silos.Count >= silos)
                    {
                        break;
                    }
                }
            }

            return host;
        }
        catch (OperationCanceledException ex)
        {
            host.Dispose();
            throw new TimeoutException($"The bench's Orleans client did not see {silos} silos of cluster {clusterId} within {StartTimeout}.", ex);
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }
}
