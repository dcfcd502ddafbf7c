using Microsoft.Extensions.Hosting;
using TrustChain.Engines.RabbitMQ;
using TrustChain.Runtime;
using TrustChain.Tests.Cluster;

namespace TrustChain.Tests.RabbitMQ;

/// <summary>
/// Starts after its node and returns once this node's workers are known to every running node of the cluster and
/// theirs to this one (see <see cref="RabbitMqTestEngine"/>). Waits on membership change signals, never on time.
/// </summary>
internal sealed class MembershipBarrier(RabbitMqTestEngine engine, RabbitMqTransport node, IReadOnlyList<string> workers) : IHostedService, IAsyncDisposable
{
    private int _joined;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var others = engine.Join(node, workers);
        Interlocked.Exchange(ref _joined, 1);
        foreach (var other in others.Where(o => o.IsConnected))
        {
            await other.RabbitMqMembership.WaitUntilAsync(m => Hosts(m, node.NodeId, workers), cancellationToken).Guarded();
            var theirs = Hosted(other);
            await node.RabbitMqMembership.WaitUntilAsync(m => Hosts(m, other.NodeId, theirs), cancellationToken).Guarded();
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Disposed with the node's container, after the node stopped (or was killed).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _joined, 0) == 1)
        {
            await engine.LeaveAsync();
        }
    }

    private static List<string> Hosted(RabbitMqTransport node) =>
        node.Membership.Workers.Where(w => w.Instances.Contains(node.NodeId)).Select(w => w.Worker).ToList();

    private static bool Hosts(IMembership membership, string nodeId, IEnumerable<string> workers) =>
        workers.All(w => membership.Workers.Any(m => m.Worker == w && m.Instances.Contains(nodeId)));
}
