namespace TrustChain.Engines.RabbitMQ;

/// <summary>The AMQP headers the engine writes on dead-lettered messages, so an operator can tell why and whence.</summary>
public static class RabbitMqHeaders
{
    /// <summary>Why the message could not be read or handled.</summary>
    public const string Reason = "x-trustchain-reason";

    /// <summary>The queue it was taken from.</summary>
    public const string Queue = "x-trustchain-queue";

    /// <summary>The exchange it had been published to.</summary>
    public const string Exchange = "x-trustchain-exchange";

    /// <summary>The routing key it had been published with.</summary>
    public const string RoutingKey = "x-trustchain-routing-key";

    /// <summary>The node that dead-lettered it.</summary>
    public const string Node = "x-trustchain-node";
}
