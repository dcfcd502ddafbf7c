using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace TrustChain.Engines.RabbitMQ;

/// <summary>
/// A delivery copied out of the client's callback: the client owns the body's memory only until the callback
/// returns, and the engine never holds a callback open while it works (so recovery never waits on a handler).
/// </summary>
internal sealed record InboundDelivery(
    string Queue,
    IChannel Channel,
    ulong DeliveryTag,
    bool Redelivered,
    string Exchange,
    string RoutingKey,
    BasicProperties Properties,
    byte[] Body)
{
    public static InboundDelivery Copy(string queue, IChannel channel, BasicDeliverEventArgs delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return new(queue, channel, delivery.DeliveryTag, delivery.Redelivered, delivery.Exchange, delivery.RoutingKey, new BasicProperties(delivery.BasicProperties), delivery.Body.ToArray());
    }

    /// <summary>Acknowledges on the channel it came from. A channel lost meanwhile makes the broker redeliver it instead.</summary>
    public async Task<bool> TryAckAsync()
    {
        try
        {
            await Channel.BasicAckAsync(DeliveryTag, multiple: false).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return false;
        }
    }

    /// <summary>Hands it back to the queue, to this or another consumer, marked redelivered.</summary>
    public async Task<bool> TryRequeueAsync()
    {
        try
        {
            await Channel.BasicNackAsync(DeliveryTag, multiple: false, requeue: true).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return false;
        }
    }
}
