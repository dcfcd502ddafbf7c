using Microsoft.Extensions.DependencyInjection;
using TrustChain.Engines.RabbitMQ;
using TrustChain.Hosting;
using TrustChain.Runtime;
using TrustChain.Testing;

namespace TrustChain.Tests.RabbitMQ;

/// <summary>
/// Puts every node of one <see cref="TrustChainTestCluster"/> on the test broker under one fresh prefix, through the
/// cluster's engine hook. Each node's start also waits, on membership signals, until it and every running node of
/// the cluster know each other's workers: the in-memory engine knows them at once, and a test that starts silos and
/// dispatches right away means that. When the last node is disposed, the cluster's exchanges and queues go too.
/// </summary>
public sealed class RabbitMqTestEngine
{
    private readonly Lock _gate = new();
    private readonly List<RabbitMqTransport> _nodes = [];
    private readonly HashSet<string> _workers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _nodeIds = new(StringComparer.Ordinal);
    private int _alive;

    public RabbitMqTestEngine(Action<RabbitMqOptions>? configure = null)
    {
        Options = RabbitMqBroker.Options(RabbitMqBroker.NewPrefix());
        configure?.Invoke(Options);
    }

    public RabbitMqOptions Options { get; }

    public RabbitMqTopology Topology => new(Options.Prefix);

    /// <summary>The engine hook of <see cref="TrustChainTestCluster"/>.</summary>
    public void Apply(ITrustChainBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseRabbitMQ(o => RabbitMqBroker.Apply(o, Options));

        // Registered after AddTrustChain's hosted service, so it starts once the node has subscribed its workers.
        builder.Services.AddHostedService(sp => new MembershipBarrier(
            this,
            (RabbitMqTransport)sp.GetRequiredService<ITransport>(),
            sp.GetServices<IWorker>().Select(w => w.Name).ToList()));
    }

    internal IReadOnlyList<RabbitMqTransport> Join(RabbitMqTransport node, IEnumerable<string> workers)
    {
        lock (_gate)
        {
            var others = _nodes.ToList();
            _nodes.Add(node);
            _nodeIds.Add(node.NodeId);
            _workers.UnionWith(workers);
            _alive++;
            return others;
        }
    }

    internal async Task LeaveAsync()
    {
        bool last;
        lock (_gate)
        {
            last = --_alive == 0;
        }

        if (last)
        {
            await RabbitMqBroker.DeleteAsync(Topology, _workers, _nodeIds);
        }
    }
}
