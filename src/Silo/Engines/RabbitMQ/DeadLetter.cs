namespace TrustChain.Engines.RabbitMQ;

/// <summary>A message this node could not read or handle, as it was moved to the dead-letter queue.</summary>
public sealed record DeadLetter(string Queue, string Exchange, string RoutingKey, string Reason, int Bytes);
