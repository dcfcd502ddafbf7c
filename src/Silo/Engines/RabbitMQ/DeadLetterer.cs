using System.Text;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using TrustChain.Telemetry;

namespace TrustChain.Engines.RabbitMQ;

/// <summary>
/// Moves a message that cannot be read (garbage bytes, a malformed envelope, the wrong kind on a queue) to the
/// dead-letter queue, with the reason and its origin in headers, and counts it. The caller acknowledges the original
/// only after this returns, so a message is never lost between the two queues.
/// </summary>
internal sealed partial class DeadLetterer(RabbitMqPublisher publisher, RabbitMqTopology topology, string nodeId, ILogger logger)
{
    private long _count;

    /// <summary>Raised after a message was dead-lettered.</summary>
    public event Action<DeadLetter>? DeadLettered;

    public long Count => Interlocked.Read(ref _count);

    public async Task DeadLetterAsync(InboundDelivery delivery, string reason, CancellationToken cancellationToken)
    {
        var properties = new BasicProperties(delivery.Properties)
        {
            Persistent = true,
            Headers = new Dictionary<string, object?>(delivery.Properties.Headers ?? new Dictionary<string, object?>(), StringComparer.Ordinal)
            {
                [RabbitMqHeaders.Reason] = Truncate(reason),
                [RabbitMqHeaders.Queue] = delivery.Queue,
                [RabbitMqHeaders.Exchange] = delivery.Exchange,
                [RabbitMqHeaders.RoutingKey] = delivery.RoutingKey,
                [RabbitMqHeaders.Node] = nodeId,
            },
        };

        await publisher.PublishAsync(topology.DeadLetterExchange, string.Empty, mandatory: false, properties, delivery.Body, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _count);
        TrustChainMetrics.MessageDeadLettered(delivery.Queue);
        var letter = new DeadLetter(delivery.Queue, delivery.Exchange, delivery.RoutingKey, reason, delivery.Body.Length);
        LogDeadLettered(delivery.Queue, delivery.Exchange, delivery.RoutingKey, delivery.Body.Length, reason);
        DeadLettered?.Invoke(letter);
    }

    /// <summary>AMQP short strings in headers are fine long, but a reason quoting a huge body is not useful.</summary>
    private static string Truncate(string reason) =>
        Encoding.UTF8.GetByteCount(reason) <= 1024 ? reason : reason[..Math.Min(reason.Length, 500)] + "…";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dead-lettered a message from {Queue} (exchange '{Exchange}', key '{RoutingKey}', {Bytes} bytes): {Reason}")]
    private partial void LogDeadLettered(string queue, string exchange, string routingKey, int bytes, string reason);
}
