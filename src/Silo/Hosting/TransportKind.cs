namespace TrustChain.Hosting;

/// <summary>The engines a node can run on, chosen with <c>TrustChain:Transport</c>.</summary>
public enum TransportKind
{
    /// <summary>One process, the embedded default.</summary>
    InMemory,

    /// <summary>Nodes in separate processes and machines, through a RabbitMQ broker (<c>TrustChain:RabbitMQ</c>).</summary>
    RabbitMQ,
}
