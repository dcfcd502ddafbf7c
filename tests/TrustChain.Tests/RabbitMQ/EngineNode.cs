using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using TrustChain.Engines.RabbitMQ;
using TrustChain.Messages;
using TrustChain.Runtime;
using TrustChain.Tests.Cluster;

namespace TrustChain.Tests.RabbitMQ;

/// <summary>
/// The engine alone, without a TrustChain node on top: what it delivers to the node and to worker handlers is
/// recorded, and every expectation is a signal ("the fifth task arrived"), never a pause.
/// </summary>
public sealed class EngineNode : IAsyncDisposable
{
    private readonly ConcurrentQueue<TrustChainMessage> _received = new();
    private readonly List<(Func<IReadOnlyCollection<TrustChainMessage>, bool> Condition, TaskCompletionSource Done)> _waits = [];

    private EngineNode(RabbitMqTransport transport) => Transport = transport;

    public RabbitMqTransport Transport { get; }

    public IReadOnlyCollection<TrustChainMessage> Received => _received;

    public static async Task<EngineNode> StartAsync(string nodeId, RabbitMqOptions options, TimeSpan? gracePeriod = null)
    {
        var node = new EngineNode(new RabbitMqTransport(options, nodeId, gracePeriod ?? TimeSpan.Zero, NullLoggerFactory.Instance));
        await node.Transport.StartAsync(node.ReceiveAsync, CancellationToken.None).Guarded();
        return node;
    }

    /// <summary>Completes once what the node received satisfies <paramref name="condition"/>.</summary>
    public Task WaitForReceivedAsync(Func<IReadOnlyCollection<TrustChainMessage>, bool> condition)
    {
        var done = Safety.Signal();
        lock (_waits)
        {
            _waits.Add((condition, done));
            if (condition(_received))
            {
                done.TrySetResult();
            }
        }

        return done.Task.Guarded();
    }

    public ValueTask DisposeAsync() => Transport.DisposeAsync();

    private ValueTask ReceiveAsync(TrustChainMessage message)
    {
        lock (_waits)
        {
            _received.Enqueue(message);
            foreach (var (condition, done) in _waits.Where(w => !w.Done.Task.IsCompleted && w.Condition(_received)))
            {
                done.TrySetResult();
            }
        }

        return ValueTask.CompletedTask;
    }
}
