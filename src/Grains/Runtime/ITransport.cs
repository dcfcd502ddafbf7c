using TrustChain.Messages;

namespace TrustChain.Runtime;

/// <summary>
/// The port an engine implements: it moves messages and nothing else. Counting, closure and completion live in
/// the <see cref="Grains.RequestGrain"/>; an engine never re-implements them.
/// </summary>
public interface ITransport : IAsyncDisposable
{
    /// <summary>This node's id: the address that <see cref="SendAsync"/> reaches.</summary>
    string NodeId { get; }

    /// <summary>Which workers subscribe to which topics, as far as this node knows.</summary>
    IMembership Membership { get; }

    /// <summary>Starts delivering messages addressed to this node, and broadcasts, to <paramref name="receiver"/>.</summary>
    Task StartAsync(Func<TrustChainMessage, ValueTask> receiver, CancellationToken cancellationToken);

    /// <summary>Stops receiving. Subscriptions still open hand their unfinished tasks back for redelivery.</summary>
    Task StopAsync(CancellationToken cancellationToken);

    /// <summary>Publishes a task to every worker queue bound to its topic; returns once the engine holds it.</summary>
    ValueTask PublishTaskAsync(TaskMessage task, CancellationToken cancellationToken);

    /// <summary>Sends a message to one node (verdicts, results and leases to the owner; verdict replies to a worker's node).</summary>
    ValueTask SendAsync(string nodeId, TrustChainMessage message, CancellationToken cancellationToken);

    /// <summary>Sends a message to every node (cancellations).</summary>
    ValueTask BroadcastAsync(TrustChainMessage message, CancellationToken cancellationToken);

    /// <summary>
    /// Consumes the worker's queue: instances of one worker compete for its tasks. A task is acknowledged when
    /// <paramref name="handler"/> returns, and handed to another instance if this one stops or dies first.
    /// The handler gets the task, whether it is a redelivery, and a token cancelled when this node stops.
    /// </summary>
    ValueTask<IAsyncDisposable> SubscribeAsync(WorkerSubscription subscription, Func<TaskMessage, bool, CancellationToken, Task> handler, CancellationToken cancellationToken);
}
