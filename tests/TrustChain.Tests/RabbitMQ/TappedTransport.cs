using TrustChain.Engines.RabbitMQ;
using TrustChain.Messages;
using TrustChain.Runtime;
using TrustChain.Tests.Cluster;

namespace TrustChain.Tests.RabbitMQ;

/// <summary>
/// The RabbitMQ engine with a tap on what it delivers to its node: a test awaits "a lease renewal from that
/// instance has arrived" as a signal instead of guessing with time.
/// </summary>
public sealed class TappedTransport(RabbitMqTransport inner) : ITransport
{
    private readonly List<TrustChainMessage> _received = [];
    private readonly List<(Func<TrustChainMessage, bool> Match, TaskCompletionSource<TrustChainMessage> Seen)> _watches = [];

    public RabbitMqTransport Inner { get; } = inner;

    public string NodeId => Inner.NodeId;

    public IMembership Membership => Inner.Membership;

    public IReadOnlyList<TrustChainMessage> Received
    {
        get
        {
            lock (_watches)
            {
                return [.. _received];
            }
        }
    }

    /// <summary>Completes with the first message delivered to this node (before or after the call) that matches.</summary>
    public Task<TrustChainMessage> WaitForAsync(Func<TrustChainMessage, bool> match)
    {
        var seen = new TaskCompletionSource<TrustChainMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_watches)
        {
            _watches.Add((match, seen));
            if (_received.FirstOrDefault(match) is { } earlier)
            {
                seen.TrySetResult(earlier);
            }
        }

        return seen.Task.Guarded();
    }

    public Task StartAsync(Func<TrustChainMessage, ValueTask> receiver, CancellationToken cancellationToken) =>
        Inner.StartAsync(
            async message =>
            {
                await receiver(message);
                Observe(message); // after the node took it in: the grain has seen it
            },
            cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Inner.StopAsync(cancellationToken);

    public ValueTask PublishTaskAsync(TaskMessage task, CancellationToken cancellationToken) => Inner.PublishTaskAsync(task, cancellationToken);

    public ValueTask SendAsync(string nodeId, TrustChainMessage message, CancellationToken cancellationToken) => Inner.SendAsync(nodeId, message, cancellationToken);

    public ValueTask BroadcastAsync(TrustChainMessage message, CancellationToken cancellationToken) => Inner.BroadcastAsync(message, cancellationToken);

    public ValueTask<IAsyncDisposable> SubscribeAsync(WorkerSubscription subscription, Func<TaskMessage, bool, CancellationToken, Task> handler, CancellationToken cancellationToken) =>
        Inner.SubscribeAsync(subscription, handler, cancellationToken);

    public ValueTask DisposeAsync() => Inner.DisposeAsync();

    private void Observe(TrustChainMessage message)
    {
        lock (_watches)
        {
            _received.Add(message);
            foreach (var (match, seen) in _watches)
            {
                if (!seen.Task.IsCompleted && match(message))
                {
                    seen.TrySetResult(message);
                }
            }
        }
    }
}
