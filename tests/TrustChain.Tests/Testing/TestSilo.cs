using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace TrustChain.Tests.Testing;

/// <summary>One silo of a <see cref="TrustChainTestCluster"/>.</summary>
public sealed class TestSilo
{
    private readonly TrustChainTestCluster _cluster;
    private int _stopped;

    internal TestSilo(TrustChainTestCluster cluster, InProcessSiloHandle handle, string nodeId)
    {
        _cluster = cluster;
        Handle = handle;
        NodeId = nodeId;
    }

    /// <summary>The TrustChain node id of the silo: the request ids it dispatches start with it.</summary>
    public string NodeId { get; }

    public InProcessSiloHandle Handle { get; }

    public IServiceProvider Services => Handle.ServiceProvider;

    /// <summary>Dispatches from inside this silo, as the API co-hosted with it does.</summary>
    public ITrustChainDispatcher Dispatcher => Services.GetRequiredService<ITrustChainDispatcher>();

    public bool IsRunning => Volatile.Read(ref _stopped) == 0;

    /// <summary>Stops as a deployment would: activations deactivate, the cluster is told.</summary>
    public Task StopAsync() => Interlocked.Exchange(ref _stopped, 1) == 0 ? _cluster.StopSiloAsync(this, kill: false) : Task.CompletedTask;

    /// <summary>Dies at once, as under <c>kill -9</c>: the cluster finds out through membership.</summary>
    public Task KillAsync() => Interlocked.Exchange(ref _stopped, 1) == 0 ? _cluster.StopSiloAsync(this, kill: true) : Task.CompletedTask;

    internal void MarkStopped() => Volatile.Write(ref _stopped, 1);
}
