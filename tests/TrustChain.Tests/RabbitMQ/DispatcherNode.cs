using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using TrustChain.Engines.RabbitMQ;
using TrustChain.Hosting;
using TrustChain.Runtime;
using TrustChain.Silo.Demo;
using TrustChain.Tests.Cluster;

namespace TrustChain.Tests.RabbitMQ;

/// <summary>
/// A node in the test process that dispatches over the broker as the API does (no workers, the order aggregator),
/// with a tap on what reaches it. The silos it talks to are real processes.
/// </summary>
public sealed class DispatcherNode : IAsyncDisposable
{
    private readonly IHost _host;

    private DispatcherNode(IHost host)
    {
        _host = host;
        Tap = (TappedTransport)host.Services.GetRequiredService<ITransport>();
    }

    public TappedTransport Tap { get; }

    public RabbitMqTransport Transport => Tap.Inner;

    public ITrustChainDispatcher Dispatcher => _host.Services.GetRequiredService<ITrustChainDispatcher>();

    public static async Task<DispatcherNode> StartAsync(string prefix, Action<TrustChainOptions>? configure = null)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddLogging();
        builder.Services.AddTrustChain(o =>
        {
            o.NodeId = $"dispatcher-{Guid.NewGuid():N}"[..19];
            configure?.Invoke(o);
        })
            .UseRabbitMQ(o => RabbitMqBroker.Apply(o, RabbitMqBroker.Options(prefix)))
            .AddDemoWorkers([]);
        builder.Services.RemoveAll<ITransport>();
        builder.Services.AddSingleton<ITransport>(sp => new TappedTransport(TransportFactory.RabbitMq(sp)));
        var host = builder.Build();
        await host.StartAsync().Guarded();
        return new DispatcherNode(host);
    }

    /// <summary>Waits, on membership signals, until every named worker runs on exactly the given nodes.</summary>
    public Task WaitForWorkersAsync(IEnumerable<string> workers, params string[] nodes)
    {
        var expected = nodes.Order(StringComparer.Ordinal).ToArray();
        var names = workers.ToList();
        return Transport.RabbitMqMembership.WaitUntilAsync(
            m => names.All(w => m.Workers.Any(x => x.Worker == w && x.Instances.Order(StringComparer.Ordinal).SequenceEqual(expected))),
            CancellationToken.None).Guarded();
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync().Guarded();
        await ((IAsyncDisposable)_host).DisposeAsync();
    }
}
