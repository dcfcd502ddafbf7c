using RabbitMQ.Client;

namespace TrustChain.Engines.RabbitMQ;

/// <summary>
/// The names and shapes of the engine's exchanges and queues (DESIGN.md, "Engines"), all under one prefix:
/// <list type="bullet">
/// <item><c>{prefix}.tasks</c>: topic exchange; routing key = topic.</item>
/// <item><c>{prefix}.worker.{worker}</c>: durable queue per worker name, bound to its topics; instances compete.</item>
/// <item><c>{prefix}.node.{node}</c>: a node's reply queue (verdicts, results, leases, verdict replies, broadcasts).</item>
/// <item><c>{prefix}.control</c>: fanout exchange bound to every node queue, for broadcasts (cancellations).</item>
/// <item><c>{prefix}.membership</c>: fanout exchange of heartbeats, one transient queue per node.</item>
/// <item><c>{prefix}.dead-letter</c>: exchange and queue of the messages that could not be read.</item>
/// </list>
/// </summary>
public sealed class RabbitMqTopology(string prefix)
{
    public string Prefix { get; } = prefix;

    public string TasksExchange => $"{Prefix}.tasks";

    public string ControlExchange => $"{Prefix}.control";

    public string MembershipExchange => $"{Prefix}.membership";

    public string DeadLetterExchange => $"{Prefix}.dead-letter";

    public string DeadLetterQueue => $"{Prefix}.dead-letter";

    public string WorkerQueue(string worker) => $"{Prefix}.worker.{worker}";

    public string NodeQueue(string nodeId) => $"{Prefix}.node.{nodeId}";

    public string MembershipQueue(string nodeId) => $"{Prefix}.membership.{nodeId}";

    /// <summary>The exchanges and the dead-letter queue every node relies on; declaring them is idempotent.</summary>
    public async Task DeclareSharedAsync(IChannel channel, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channel);
        await channel.ExchangeDeclareAsync(TasksExchange, ExchangeType.Topic, durable: true, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.ExchangeDeclareAsync(ControlExchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.ExchangeDeclareAsync(MembershipExchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.ExchangeDeclareAsync(DeadLetterExchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueDeclareAsync(DeadLetterQueue, durable: true, exclusive: false, autoDelete: false, arguments: null, cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueBindAsync(DeadLetterQueue, DeadLetterExchange, routingKey: string.Empty, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A worker's queue: durable, so tasks wait for an instance to come back, and bound to each of its topics.
    /// Bindings only grow: a topic a worker stops subscribing to must be unbound by an operator.
    /// </summary>
    public async Task DeclareWorkerAsync(IChannel channel, string worker, IEnumerable<string> topics, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channel);
        ArgumentNullException.ThrowIfNull(topics);
        var queue = WorkerQueue(worker);
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments: null, cancellationToken: cancellationToken).ConfigureAwait(false);
        foreach (var topic in topics)
        {
            await channel.QueueBindAsync(queue, TasksExchange, topic, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A node's reply queue. Durable, so replies published with a confirm survive a broker restart; it expires once
    /// its node has been gone for <paramref name="expiry"/>, since node ids are fresh per process.
    /// </summary>
    public async Task DeclareNodeAsync(IChannel channel, string nodeId, TimeSpan expiry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var queue = NodeQueue(nodeId);
        var arguments = new Dictionary<string, object?> { [Headers.XExpires] = (int)expiry.TotalMilliseconds };
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false, arguments, cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueBindAsync(queue, ControlExchange, routingKey: string.Empty, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A node's view of the heartbeats: transient, deleted with its last consumer. Not exclusive, so that a
    /// reconnecting client can declare it again while the broker still holds the previous connection.
    /// </summary>
    public async Task DeclareMembershipAsync(IChannel channel, string nodeId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var queue = MembershipQueue(nodeId);
        await channel.QueueDeclareAsync(queue, durable: false, exclusive: false, autoDelete: true, arguments: null, cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueBindAsync(queue, MembershipExchange, routingKey: string.Empty, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
