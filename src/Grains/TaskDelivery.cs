namespace TrustChain;

/// <summary>How a task reaches the workers implicitly subscribed to its topic.</summary>
public enum TaskDelivery
{
    /// <summary>Orleans' broadcast channel: straight to each subscriber grain, nothing polled, nothing kept.</summary>
    BroadcastChannel,

    /// <summary>An Orleans stream provider (memory streams, or a durable one the silo configures).</summary>
    Streams,
}
