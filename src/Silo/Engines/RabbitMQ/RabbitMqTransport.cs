using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using TrustChain.Hosting;
using TrustChain.Messages;
using TrustChain.Runtime;
using TrustChain.Testing;

namespace TrustChain.Engines.RabbitMQ;

/// <summary>
/// The RabbitMQ engine: an adapter that moves messages between nodes through a broker, with the topology of
/// DESIGN.md (see <see cref="RabbitMqTopology"/>). Counting, closure and completion stay in the grain; this only
/// publishes with confirms, consumes with manual acknowledgements, announces membership and dead-letters what it
/// cannot read.
/// </summary>
/// <remarks>
/// The engine's own timing (connection retries, publish timeouts, heartbeats) runs on its own clock, the system's by
/// default, not on the protocol's <see cref="TimeProvider"/>: a test that drives the protocol with a manual clock
/// must not freeze the wire.
/// </remarks>
public sealed partial class RabbitMqTransport : ITransport, ITransportDelivery, ICrashable, ITransportHealth
{
    private readonly RabbitMqOptions _options;
    private readonly TimeSpan _gracePeriod;
    private readonly TimeProvider _clock;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly RabbitMqConnection _connection;
    private readonly RabbitMqPublisher _publisher;
    private readonly DeadLetterer _deadLetterer;
    private readonly RabbitMqMembership _membership;
    private readonly MembershipHeartbeat _heartbeat;
    private readonly CancellationTokenSource _crashed = new();
    private readonly List<RabbitMqWorkerConsumer> _consumers = [];
    private RabbitMqNodeConsumer? _nodeConsumer;
    private Task _aborting = Task.CompletedTask;
    private int _started;
    private int _stopped;

    /// <param name="options">Validated settings.</param>
    /// <param name="nodeId">This node's id: its reply queue's name and the owner part of the request ids it creates.</param>
    /// <param name="gracePeriod">How long a stopping worker subscription lets its tasks finish before handing them back.</param>
    /// <param name="clock">The engine's clock; the system's by default.</param>
    public RabbitMqTransport(RabbitMqOptions options, string nodeId, TimeSpan gracePeriod, ILoggerFactory loggerFactory, TimeProvider? clock = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _loggerFactory = loggerFactory ?? throw new ArgumentNullException(nameof(loggerFactory));
        if (!NodeIds.IsValid(nodeId))
        {
            throw new ArgumentException($"'{nodeId}' is not a valid node id: {NodeIds.Rule}", nameof(nodeId));
        }

        NodeId = nodeId;
        _gracePeriod = gracePeriod;
        _clock = clock ?? TimeProvider.System;
        _logger = loggerFactory.CreateLogger<RabbitMqTransport>();
        Topology = new RabbitMqTopology(options.Prefix);
        _connection = new RabbitMqConnection(options, nodeId, _clock, loggerFactory.CreateLogger<RabbitMqConnection>());
        _publisher = new RabbitMqPublisher(_connection, options, _clock, loggerFactory.CreateLogger<RabbitMqPublisher>());
        _deadLetterer = new DeadLetterer(_publisher, Topology, nodeId, loggerFactory.CreateLogger<DeadLetterer>());
        _membership = new RabbitMqMembership(nodeId, _clock);
        _heartbeat = new MembershipHeartbeat(_membership, _publisher, Topology, _deadLetterer, nodeId, options.HeartbeatInterval, _clock, loggerFactory.CreateLogger<MembershipHeartbeat>());
        _connection.ConnectionChanged += OnConnectionChanged;
    }

    public string NodeId { get; }

    public IMembership Membership => _membership;

    /// <summary>The membership with its change signal, for whoever must wait for workers to appear or leave.</summary>
    public RabbitMqMembership RabbitMqMembership => _membership;

    public RabbitMqTopology Topology { get; }

    public bool IsConnected => _connection.IsConnected;

    public string Endpoint => _connection.Endpoint;

    /// <summary>How many messages this node moved to the dead-letter queue because it could not read or handle them.</summary>
    public long DeadLettered => _deadLetterer.Count;

    /// <summary>Raised after each message this node dead-lettered.</summary>
    public event Action<DeadLetter>? MessageDeadLettered
    {
        add => _deadLetterer.DeadLettered += value;
        remove => _deadLetterer.DeadLettered -= value;
    }

    /// <summary>Raised with the worker's name when a consumer the broker had cancelled (its queue deleted) consumes again.</summary>
    public event Action<string>? WorkerConsumerResumed;

    public async Task StartAsync(Func<TrustChainMessage, ValueTask> receiver, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(receiver);
        if (Interlocked.Exchange(ref _started, 1) == 1)
        {
            throw new InvalidOperationException("The transport is already started.");
        }

        await _connection.ConnectAsync(cancellationToken).ConfigureAwait(false);
        var setup = await _connection.CreateChannelAsync(null, cancellationToken).ConfigureAwait(false);
        await using (setup.ConfigureAwait(false))
        {
            await Topology.DeclareSharedAsync(setup, cancellationToken).ConfigureAwait(false);
            await setup.CloseAsync(cancellationToken).ConfigureAwait(false);
        }

        _nodeConsumer = await RabbitMqNodeConsumer.StartAsync(
            _connection, Topology, NodeId, _options, receiver, _deadLetterer, _loggerFactory.CreateLogger<RabbitMqNodeConsumer>(), _crashed.Token, cancellationToken).ConfigureAwait(false);
        await _heartbeat.StartAsync(_connection, cancellationToken).ConfigureAwait(false);
        LogStarted(NodeId, _connection.Endpoint, Topology.Prefix);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        await ShutDownAsync(leaving: !_crashed.IsCancellationRequested).ConfigureAwait(false);
    }

    public async ValueTask PublishTaskAsync(TaskMessage task, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(task);
        var properties = Properties(task);

        // The broker forgets a task once nobody could still use it; the worker runtime drops late ones anyway.
        var ttl = task.Deadline - task.DispatchedAt;
        if (ttl > TimeSpan.Zero)
        {
            properties.Expiration = ((long)Math.Ceiling(ttl.TotalMilliseconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        // Not mandatory: a topic nobody subscribes to is not an error; the grain expects nobody then.
        await _publisher.PublishAsync(Topology.TasksExchange, task.Topic, mandatory: false, properties, RabbitMqWire.Encode(task), cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask SendAsync(string nodeId, TrustChainMessage message, CancellationToken cancellationToken) =>
        await TrySendAsync(nodeId, message, cancellationToken).ConfigureAwait(false);

    public async ValueTask<bool> TrySendAsync(string nodeId, TrustChainMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);

        // Straight to the node's queue through the default exchange; mandatory, so that a node that is gone shows.
        var routed = await _publisher.PublishAsync(string.Empty, Topology.NodeQueue(nodeId), mandatory: true, Properties(message), RabbitMqWire.Encode(message), cancellationToken).ConfigureAwait(false);
        if (!routed)
        {
            // As on the wire: lost. Leases and deadlines account for it.
            var kind = RabbitMqWire.KindOf(message);
            LogUndeliverable(kind, message.RequestId, nodeId);
        }

        return routed;
    }

    public async ValueTask BroadcastAsync(TrustChainMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        await _publisher.PublishAsync(Topology.ControlExchange, string.Empty, mandatory: false, Properties(message), RabbitMqWire.Encode(message), cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<IAsyncDisposable> SubscribeAsync(WorkerSubscription subscription, Func<TaskMessage, bool, CancellationToken, Task> handler, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        ArgumentNullException.ThrowIfNull(handler);
        if (Volatile.Read(ref _started) == 0)
        {
            throw new InvalidOperationException($"Start the transport before subscribing {subscription.Worker}.");
        }

        var prefetch = (ushort)Math.Clamp(_options.Prefetch ?? subscription.Concurrency, 1, ushort.MaxValue);
        var announced = false;
        RabbitMqWorkerConsumer consumer;
        try
        {
            consumer = await RabbitMqWorkerConsumer.StartAsync(
                _connection, Topology, subscription, prefetch, handler, _deadLetterer, _gracePeriod, _clock,
                _loggerFactory.CreateLogger<RabbitMqWorkerConsumer>(), AnnounceAsync, worker => WorkerConsumerResumed?.Invoke(worker), _crashed.Token, cancellationToken).ConfigureAwait(false);
        }
        catch when (announced)
        {
            _membership.RemoveLocal(subscription.Worker);
            _heartbeat.AnnounceNow();
            throw;
        }

        lock (_consumers)
        {
            _consumers.Add(consumer);
        }

        return new Subscription(this, consumer);

        // Announced (with its public key) once its queue is bound, before it takes its first task: dispatchers then
        // count it only when a task can reach it, and one that checks signatures knows the key before the worker's
        // first verdict arrives (else it would reject that verdict UnknownSigner).
        Task AnnounceAsync(CancellationToken token)
        {
            _membership.AddLocal(subscription.Worker, subscription.Topics, subscription.PublicKey);
            announced = true;
            return _heartbeat.AnnounceAsync(token);
        }
    }

    /// <summary>
    /// Dies as under <c>kill -9</c>: the connection is dropped without acknowledging anything, so the broker
    /// redelivers every task in hand to another instance; nothing more this node sends arrives.
    /// </summary>
    public void Crash()
    {
        if (_crashed.IsCancellationRequested)
        {
            return;
        }

        _crashed.Cancel();
        _publisher.Halt();
        _aborting = Task.Run(async () =>
        {
            await _heartbeat.StopAsync(leaving: false).ConfigureAwait(false);
            await _connection.AbortAsync().ConfigureAwait(false);
        });
        LogCrashed(NodeId);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            await ShutDownAsync(leaving: false).ConfigureAwait(false);
        }

        await _aborting.ConfigureAwait(false);
        await _heartbeat.DisposeAsync().ConfigureAwait(false);
        await _publisher.DisposeAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
        _crashed.Dispose();
    }

    private async Task ShutDownAsync(bool leaving)
    {
        await _heartbeat.StopAsync(leaving).ConfigureAwait(false);
        List<RabbitMqWorkerConsumer> consumers;
        lock (_consumers)
        {
            consumers = [.. _consumers];
            _consumers.Clear();
        }

        foreach (var consumer in consumers)
        {
            await consumer.DisposeAsync().ConfigureAwait(false);
        }

        if (_nodeConsumer is { } nodeConsumer)
        {
            await nodeConsumer.DisposeAsync().ConfigureAwait(false);
        }

        await _aborting.ConfigureAwait(false);
        await _publisher.DisposeAsync().ConfigureAwait(false);
        await _connection.DisposeAsync().ConfigureAwait(false);
        LogStopped(NodeId);
    }

    private void OnConnectionChanged(bool connected)
    {
        if (connected)
        {
            _membership.Resume();
            _heartbeat.AnnounceNow(); // the others may have dropped this node meanwhile
        }
        else
        {
            _membership.Suspend();
        }
    }

    private async ValueTask UnsubscribeAsync(RabbitMqWorkerConsumer consumer)
    {
        bool wasOpen;
        lock (_consumers)
        {
            wasOpen = _consumers.Remove(consumer);
        }

        await consumer.DisposeAsync().ConfigureAwait(false);
        if (wasOpen)
        {
            _membership.RemoveLocal(consumer.Worker);
            _heartbeat.AnnounceNow();
        }
    }

    private static BasicProperties Properties(TrustChainMessage message) => new()
    {
        Persistent = true,
        ContentType = RabbitMqWire.ContentType,
        Type = RabbitMqWire.KindOf(message),
        MessageId = message.RequestId.Value,
        AppId = "trustchain",
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeId} is on RabbitMQ at {Endpoint} with prefix '{Prefix}'")]
    private partial void LogStarted(string nodeId, string endpoint, string prefix);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeId} left RabbitMQ")]
    private partial void LogStopped(string nodeId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Node {NodeId} crashed on purpose: connection dropped, unacknowledged tasks go back to their queues")]
    private partial void LogCrashed(string nodeId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Kind} for {RequestId} not delivered: node {NodeId} has no queue any more")]
    private partial void LogUndeliverable(string kind, RequestId requestId, string nodeId);

    private sealed class Subscription(RabbitMqTransport transport, RabbitMqWorkerConsumer consumer) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => transport.UnsubscribeAsync(consumer);
    }
}
