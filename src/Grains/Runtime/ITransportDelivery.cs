using TrustChain.Messages;

namespace TrustChain.Runtime;

/// <summary>
/// An engine that can tell whether a message sent to a node found it. A query for a request owned by a node that
/// does not exist then answers "not found" at once instead of waiting for a reply that cannot come.
/// </summary>
public interface ITransportDelivery
{
    /// <summary>As <see cref="ITransport.SendAsync"/>; false when no node by that id is there to receive it.</summary>
    ValueTask<bool> TrySendAsync(string nodeId, TrustChainMessage message, CancellationToken cancellationToken);
}
