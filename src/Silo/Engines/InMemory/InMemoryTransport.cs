using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using TrustChain.Messages;
using TrustChain.Runtime;
using TrustChain.Testing;

namespace TrustChain.Engines.InMemory;

/// <summary>A node's attachment to an <see cref="InMemoryNetwork"/>: its mailbox, its publishes and its worker queues.</summary>
public sealed partial class InMemoryTransport : ITransport, ITransportDelivery, ICrashable
{
    private readonly InMemoryNetwork _network;
    private readonly ILogger _logger;
    private readonly Channel<TrustChainMessage> _inbox = Channel.CreateUnbounded<TrustChainMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _crashed = new();
    private Task? _receiving;
    private volatile bool _alive = true;

    public InMemoryTransport(InMemoryNetwork network, string nodeId, ILogger<InMemoryTransport> logger)
    {
        _network = network ?? throw new ArgumentNullException(nameof(network));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        NodeId = nodeId;
        network.Attach(this);
    }

    public string NodeId { get; }

    public IMembership Membership => _network;

    public Task StartAsync(Func<TrustChainMessage, ValueTask> receiver, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        _receiving ??= Task.Run(() => ReceiveAsync(receiver), CancellationToken.None);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _network.Detach(this);
        _inbox.Writer.TryComplete();
        if (_receiving is not null)
        {
            await _receiving.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public ValueTask PublishTaskAsync(TaskMessage task, CancellationToken cancellationToken)
    {
        if (_alive)
        {
            _network.Publish(task);
        }

        return ValueTask.CompletedTask;
    }

    public async ValueTask SendAsync(string nodeId, TrustChainMessage message, CancellationToken cancellationToken) =>
        await TrySendAsync(nodeId, message, cancellationToken).ConfigureAwait(false);

    public ValueTask<bool> TrySendAsync(string nodeId, TrustChainMessage message, CancellationToken cancellationToken)
    {
        if (!_alive)
        {
            return ValueTask.FromResult(true); // a crashed node's sends vanish; it cannot tell
        }

        // A message to a node that is gone is lost, as it would be on the wire; leases and deadlines cover that.
        var delivered = _network.Deliver(nodeId, message);
        if (!delivered)
        {
            LogUndeliverable(message.GetType().Name, message.RequestId, nodeId);
        }

        return ValueTask.FromResult(delivered);
    }

    public ValueTask BroadcastAsync(TrustChainMessage message, CancellationToken cancellationToken)
    {
        if (_alive)
        {
            _network.Broadcast(message);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<IAsyncDisposable> SubscribeAsync(WorkerSubscription subscription, Func<TaskMessage, bool, CancellationToken, Task> handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        var queue = _network.Bind(subscription);
        return ValueTask.FromResult<IAsyncDisposable>(new InMemoryConsumer(queue, NodeId, subscription.Concurrency, handler, _logger, _crashed.Token));
    }

    public ValueTask DisposeAsync()
    {
        _network.Detach(this);
        _inbox.Writer.TryComplete();
        _crashed.Dispose();
        return ValueTask.CompletedTask;
    }

    internal bool Enqueue(TrustChainMessage message) => _alive && _inbox.Writer.TryWrite(message);

    public void Crash()
    {
        _alive = false;
        _network.Detach(this);
        _inbox.Writer.TryComplete();
        _crashed.Cancel();
    }

    private async Task ReceiveAsync(Func<TrustChainMessage, ValueTask> receiver)
    {
        await foreach (var message in _inbox.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (!_alive)
            {
                return;
            }

            try
            {
                await receiver(message).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogReceiveFailed(ex, message.GetType().Name, message.RequestId);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Kind} for {RequestId} not delivered: node {NodeId} is gone")]
    private partial void LogUndeliverable(string kind, RequestId requestId, string nodeId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Handling {Kind} for {RequestId} failed; the node keeps serving")]
    private partial void LogReceiveFailed(Exception exception, string kind, RequestId requestId);
}
